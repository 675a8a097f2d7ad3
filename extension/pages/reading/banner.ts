/**
 * The message display script: one banner at the top of the displayed message with the sender
 * verdict the background computed for this tab (no INS, no document: those are in the panel).
 * Built as text nodes only.
 */
import { getMessenger } from "../../background/messenger-types.ts";
import type { VerdictText } from "../../background/reading/verdict-text.ts";

async function showBanner(): Promise<void> {
  const text = (await getMessenger().runtime.sendMessage({ kind: "reading.banner" })) as VerdictText | null;
  if (!text || !document.body || document.getElementById("mss-reading-banner")) return;
  const box = document.createElement("div");
  box.id = "mss-reading-banner";
  box.className = "mss-reading-banner";
  box.dataset.level = text.level;
  const head = document.createElement("strong");
  head.textContent = text.headline;
  box.append(head);
  for (const line of text.lines) {
    const l = document.createElement("div");
    l.textContent = line;
    box.append(l);
  }
  document.body.prepend(box);
}

void showBanner().catch(() => undefined);
