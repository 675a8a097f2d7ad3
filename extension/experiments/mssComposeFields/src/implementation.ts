/**
 * The mssComposeFields Experiment (parent process). While enabled, every compose window's recipient
 * fields (`input.address-row-input` with an autocomplete search) whose delay is Thunderbird's own
 * 200 ms get none, in open windows and in rows added later (a MutationObserver on the window);
 * disabling, or the add-on's shutdown, gives them Thunderbird's delay back. Not applied when an LDAP
 * directory serves autocomplete (search-delay.ts).
 */
import type { MssComposeFieldsApi, SearchDelayResult } from "./api.ts";
import { autocompletePrefs, type ComposeWindow, extensionCommon, watchComposeWindows } from "./privileged.ts";
import { AT_ONCE, ldapAutocompleteInUse, THUNDERBIRD_DELAY } from "./search-delay.ts";

const WATCH_ID = "mssante-compose-fields";
/** Marks the fields this add-on changed, so only those are given their delay back. */
const MARK = "data-mss-search-delay";
const FIELDS = "input.address-row-input[autocompletesearch]";

const observers = new Map<ComposeWindow, MutationObserver>();
let stopWatching: (() => void) | null = null;

/** Each field is changed once: a delay set on it afterwards (by the user's own add-on, a benchmark) is left. */
function speedUp(doc: Document): void {
  for (const input of Array.from(doc.querySelectorAll(FIELDS))) {
    if (input.hasAttribute(MARK) || input.getAttribute("timeout") !== THUNDERBIRD_DELAY) continue;
    input.setAttribute("timeout", AT_ONCE);
    input.setAttribute(MARK, THUNDERBIRD_DELAY);
  }
}

function restore(doc: Document): void {
  for (const input of Array.from(doc.querySelectorAll(`${FIELDS}[${MARK}]`))) {
    input.setAttribute("timeout", input.getAttribute(MARK) ?? THUNDERBIRD_DELAY);
    input.removeAttribute(MARK);
  }
}

function onOpen(w: ComposeWindow): void {
  try {
    speedUp(w.document);
    const o = new w.MutationObserver(() => speedUp(w.document));
    // The recipient rows only (not the autocomplete popup, which changes at every keystroke).
    o.observe(w.document.getElementById("recipientsContainer") ?? w.document.documentElement, { childList: true, subtree: true });
    observers.set(w, o);
  } catch {
    /* a window that is going away */
  }
}

function onClose(w: ComposeWindow): void {
  observers.get(w)?.disconnect();
  observers.delete(w);
}

function disable(): void {
  stopWatching?.();
  stopWatching = null;
  for (const [w, o] of observers) {
    o.disconnect();
    try {
      restore(w.document);
    } catch {
      /* closed meanwhile */
    }
  }
  observers.clear();
}

function searchRecipientsAtOnce(enabled: unknown): SearchDelayResult {
  if (enabled !== true) {
    disable();
    return { ok: true, applied: false, reason: "disabled" };
  }
  if (ldapAutocompleteInUse(autocompletePrefs())) {
    disable();
    return { ok: true, applied: false, reason: "ldap-autocomplete" };
  }
  if (!stopWatching) stopWatching = watchComposeWindows(WATCH_ID, onOpen, onClose);
  return { ok: true, applied: true, reason: "applied" };
}

export default class MssComposeFieldsAPI extends extensionCommon().ExtensionAPI {
  onShutdown(_isAppShutdown: boolean): void {
    disable();
  }

  getAPI(_context: unknown): { mssComposeFields: MssComposeFieldsApi } {
    return {
      mssComposeFields: {
        async searchRecipientsAtOnce(enabled: boolean) {
          try {
            return searchRecipientsAtOnce(enabled);
          } catch (e) {
            return { ok: false, code: "failed", message: e instanceof Error ? e.message : String(e) };
          }
        },
      },
    };
  }
}
