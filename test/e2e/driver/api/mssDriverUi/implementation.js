/* TEST ONLY — the end-to-end driver's second Experiment (daily use: autocomplete, guard, card
 * events, screenshots). Never part of the shipped .xpi. Parent-process code.
 *
 * Called from the test through the driver's "api" requests (messenger.mssDriverUi.*). Each
 * function returns {ok, value} or {ok: false, error} because an Experiment's own exceptions reach
 * the caller only as "An unexpected error occurred".
 */
/* global ChromeUtils, Components, Services */
// Everything in a closure: Experiments share one global (see mssDriver/implementation.js).
// biome-ignore lint/nursery/noFloatingPromises: false positive, this closure returns nothing; the rule takes the nested methods' return guarded(...) for its own
((exports) => {
  const { ExtensionCommon } = ChromeUtils.importESModule("resource://gre/modules/ExtensionCommon.sys.mjs");
  const { setTimeout } = ChromeUtils.importESModule("resource://gre/modules/Timer.sys.mjs");
  const _Cc = Components.classes;
  const Ci = Components.interfaces;

  function describeError(e) {
    if (!e) return "unknown error";
    const res = typeof e.result === "number" ? ` (0x${(e.result >>> 0).toString(16)})` : "";
    const stack = e.stack ? `\n${String(e.stack).split("\n").slice(0, 5).join("\n")}` : "";
    return `${e.name ? `${e.name}: ` : ""}${e.message || String(e)}${res}${stack}`;
  }

  async function guarded(fn) {
    try {
      const value = await fn();
      return { ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
    } catch (e) {
      return { ok: false, error: describeError(e) };
    }
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function until(what, check, timeoutMs, everyMs = 50) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(everyMs);
    }
  }

  /** Every <browser> in every window (tabs, popup windows, compose windows), with its window. */
  function allBrowsers() {
    const out = [];
    for (const win of Services.wm.getEnumerator(null)) {
      const doc = win.document;
      if (!doc) continue;
      const tm = doc.getElementById("tabmail");
      if (tm) {
        for (const t of tm.tabInfo) if (t.browser) out.push({ win, browser: t.browser, tab: t, tabmail: tm });
      }
      for (const b of doc.querySelectorAll("browser")) {
        if (!out.some((o) => o.browser === b)) out.push({ win, browser: b });
      }
    }
    return out;
  }

  function browserUrl(b) {
    try {
      return b.currentURI ? b.currentURI.spec : "";
    } catch {
      return "";
    }
  }

  function composeWindow() {
    const w = Services.wm.getMostRecentWindow("msgcompose");
    if (!w) throw new Error("no compose window is open");
    return w;
  }

  function toField(w) {
    const input = w.document.getElementById("toAddrInput") || w.document.querySelector(".address-row:not(.hidden) input.address-input");
    if (!input) throw new Error("the compose window has no To field");
    return input;
  }

  /** The rows an autocomplete controller holds (what the popup lists). */
  function controllerRows(controller) {
    const rows = [];
    for (let i = 0; i < controller.matchCount; i++) {
      rows.push({
        value: controller.getValueAt(i),
        comment: controller.getCommentAt(i),
        label: controller.getLabelAt(i),
        style: controller.getStyleAt(i),
      });
    }
    return rows;
  }

  exports.mssDriverUi = class extends ExtensionCommon.ExtensionAPI {
    getAPI() {
      return {
        mssDriverUi: {
          storageGet(addonId, keys) {
            return guarded(async () => {
              const { ExtensionParent } = ChromeUtils.importESModule("resource://gre/modules/ExtensionParent.sys.mjs");
              const { ExtensionStorageIDB } = ChromeUtils.importESModule("resource://gre/modules/ExtensionStorageIDB.sys.mjs");
              const ext = ExtensionParent.GlobalManager.getExtension(addonId);
              if (!ext) throw new Error(`no running extension ${addonId}`);
              const db = await ExtensionStorageIDB.open(ExtensionStorageIDB.getStoragePrincipal(ext));
              const got = await db.get(keys);
              const out = {};
              for (const k of keys) out[k] = got && k in got ? got[k] : null;
              return out;
            });
          },

          typeRecipient(text, timeoutMs, waitForPopup) {
            return guarded(async () => {
              const w = composeWindow();
              await until(
                "the compose window to load",
                () => w.document.readyState === "complete" && w.document.getElementById("toAddrInput"),
                15000,
              );
              w.focus();
              const input = toField(w);
              input.focus();
              input.value = "";
              // Key by key, as typing: each step is an input event the autocomplete controller handles.
              // The value is set to what was typed so far (the controller may have completed the
              // field with the first suggestion in between, as it does for a person typing).
              const chars = [...text];
              for (let i = 0; i < chars.length; i++) {
                input.value = chars.slice(0, i + 1).join("");
                input.dispatchEvent(new w.InputEvent("input", { bubbles: true, data: chars[i], inputType: "insertText" }));
                await sleep(60);
              }
              const controller = input.controller;
              try {
                await until(
                  "the autocomplete search",
                  () => controller.searchStatus === Ci.nsIAutoCompleteController.STATUS_COMPLETE_MATCH,
                  timeoutMs || 15000,
                );
                // With a single suggestion Thunderbird completes the field and closes the list, so
                // the popup is awaited only when asked (several suggestions keep it open).
                if (waitForPopup) await until("the autocomplete popup", () => input.popupOpen, 5000);
              } catch (e) {
                throw new Error(
                  `${e.message} (field "${input.value}", popup ${input.popupOpen ? "open" : "closed"}, search status ${controller.searchStatus}, ${controller.matchCount} matches)`,
                );
              }
              // Let the popup paint before anyone takes a picture of it.
              await sleep(waitForPopup ? 1000 : 100);
              const popup = input.popup;
              return {
                popupOpen: input.popupOpen,
                selectedIndex: popup ? popup.selectedIndex : -1,
                rows: controllerRows(controller),
                typed: input.value,
              };
            });
          },

          closePopups() {
            return guarded(async () => {
              let n = 0;
              for (const w of Services.wm.getEnumerator("msgcompose")) {
                for (const input of w.document.querySelectorAll("input.address-input")) {
                  if (input.popupOpen) {
                    input.closePopup();
                    n++;
                  }
                }
              }
              return n;
            });
          },

          windows() {
            return guarded(async () => {
              const out = [];
              for (const win of Services.wm.getEnumerator(null)) {
                const doc = win.document;
                out.push({
                  type: doc?.documentElement ? doc.documentElement.getAttribute("windowtype") : null,
                  url: win.location ? win.location.href : "",
                  title: doc ? doc.title : "",
                  browsers: allBrowsers()
                    .filter((b) => b.win === win)
                    .map((b) => browserUrl(b.browser)),
                });
              }
              return out;
            });
          },

          pageOp(urlPart, op, data) {
            return guarded(async () => {
              const found = allBrowsers().find((b) => browserUrl(b.browser).includes(urlPart));
              if (!found) throw new Error(`no browser shows ${urlPart}`);
              const wg = found.browser.browsingContext?.currentWindowGlobal;
              if (!wg) throw new Error("the page is not loaded yet");
              // The page actor registered by the mssDriver Experiment (PageChild.sys.mjs).
              return await wg.getActor("MssE2EPage").sendQuery(op, data || {});
            });
          },

          zoomPage(urlPart, factor) {
            return guarded(async () => {
              const found = allBrowsers().find((b) => browserUrl(b.browser).includes(urlPart));
              if (!found) throw new Error(`no browser shows ${urlPart}`);
              found.browser.browsingContext.fullZoom = factor;
              await sleep(300);
              return found.browser.browsingContext.fullZoom;
            });
          },

          arrangeWindow(match, left, top, width, height) {
            return guarded(async () => {
              let win = Services.wm.getMostRecentWindow(match);
              if (!win) {
                const found = allBrowsers().find((b) => browserUrl(b.browser).includes(match));
                win = found ? found.win : null;
              }
              if (!win) throw new Error(`no window matches ${match}`);
              win.moveTo(left, top);
              win.resizeTo(width, height);
              win.focus();
              await sleep(200);
              return { left: win.screenX, top: win.screenY, width: win.outerWidth, height: win.outerHeight };
            });
          },
        },
      };
    }
  };
})(this);
