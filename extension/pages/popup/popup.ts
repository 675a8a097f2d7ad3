/**
 * The toolbar popup: bridge, card and PIN state (or why the card could not be read, and what to
 * do), the identity on the card, a link to the setup page.
 */
import { getMessenger } from "../../background/messenger-types.ts";
import type { ExtensionStatus } from "../../background/status.ts";
import { callBridge, getStatus, onStatus, send } from "../common/background-api.ts";
import { byId, localizeDocument, t } from "../common/i18n.ts";
import { bridgeText, cardProblemText, cardText, directoryText, identityText, pinText } from "../common/status-text.ts";

const m = getMessenger();

function pill(id: string, key: string, text: string, level: string) {
  const box = byId(id);
  box.dataset.state = key;
  box.dataset.level = level;
  box.querySelector(".pill")!.textContent = text;
}

/** The directory line: asked of the bridge when the popup opens (and when it connects meanwhile). */
let directoryHint: string | null = null;
/** The newest status: the directory answer arrives later and must not redraw an older one. */
let latest: ExtensionStatus | null = null;
async function renderDirectory(s: ExtensionStatus) {
  const box = byId("directory");
  let d = null;
  if (s.bridge.kind === "connected") {
    try {
      d = directoryText(await callBridge("directory.status", {}, 5000), m.i18n.getUILanguage());
    } catch {
      d = null;
    }
  }
  box.textContent = d?.text ?? "—";
  box.dataset.state = d?.key ?? "unknown";
  box.dataset.level = d?.level ?? "unknown";
  directoryHint = d?.hint ?? null;
  render(latest ?? s);
}

function render(s: ExtensionStatus) {
  latest = s;
  const b = bridgeText(s);
  pill("state-bridge", b.key, b.text, s.bridge.kind === "connected" ? "ok" : "error");
  const c = cardText(s);
  pill("state-card", c.key, c.text, c.key === "present" ? "ok" : "warning");
  const p = pinText(s);
  pill("state-pin", p.key, p.text, p.key === "ok" ? "ok" : p.key === "locked" || p.key === "final-try" ? "error" : "warning");
  byId("identity").textContent = identityText(s) ?? "—";
  byId("checks").textContent = t(s.checksPaused ? "checksPaused" : "checksActive");
  // What to do next: about the bridge first (nothing else works without it), else the card's problem.
  const todo = b.hint ?? cardProblemText(s)?.todo ?? directoryHint;
  const hint = byId("hint");
  hint.textContent = todo ?? "";
  hint.hidden = !todo;
  byId("retry").hidden = s.bridge.kind === "connected";
}

async function main() {
  localizeDocument();
  byId("open-setup").onclick = async () => {
    await m.tabs.create({ url: m.runtime.getURL("pages/setup/setup.html") });
    window.close();
  };
  byId("retry").onclick = () => void send({ kind: "bridge.reconnect" });
  let wasConnected = false;
  onStatus((s) => {
    render(s);
    const connected = s.bridge.kind === "connected";
    if (connected && !wasConnected) void renderDirectory(s);
    wasConnected = connected;
  });
  const first = await getStatus();
  wasConnected = first.bridge.kind === "connected";
  render(first);
  void renderDirectory(first);
  const last = (await m.storage.local.get("mss.lastGuard"))["mss.lastGuard"] as
    | { action?: string; blocked?: string[]; at?: string }
    | undefined;
  if (last?.action === "block" && last.blocked?.length) {
    const g = byId("guard");
    g.hidden = false;
    g.textContent = t("popupLastGuard", [last.blocked.join(", ")]);
  }
}

void main();
