/**
 * The guard's question to the user: a small window (pages/guard/guard.html?id=N) showing the blocked
 * recipients and why; it fetches its decision with {kind: "guard.get", id} and answers with
 * {kind: "guard.choose", id, choice}. Closing the window means "go back to the message".
 */
import type { ComposeTab, Messenger } from "./messenger-types.ts";
import type { GuardChoice } from "./compose-guard.ts";
import { type BlockDecision, choicesFor } from "./guard-decision.ts";

interface Pending {
  decision: BlockDecision;
  resolve(c: GuardChoice): void;
  windowId: number | null;
}

export class GuardDialogs {
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly m: Messenger) {
    m.windows.onRemoved.addListener((windowId: number) => {
      for (const [id, p] of this.pending) {
        if (p.windowId === windowId) {
          this.pending.delete(id);
          p.resolve("cancel");
        }
      }
    });
  }

  ask = async (_tab: ComposeTab, decision: BlockDecision): Promise<GuardChoice> => {
    const id = this.next++;
    const result = new Promise<GuardChoice>((resolve) => this.pending.set(id, { decision, resolve, windowId: null }));
    try {
      const w = await this.m.windows.create({
        url: this.m.runtime.getURL(`pages/guard/guard.html?id=${id}`),
        type: "popup",
        width: 560,
        height: 460,
        allowScriptsToClose: true,
      });
      const p = this.pending.get(id);
      if (p) p.windowId = w.id ?? null;
    } catch {
      this.pending.delete(id);
      return "cancel";
    }
    return result;
  };

  /** Handles the dialog's runtime messages; returns undefined for messages that are not for it. */
  handleMessage(msg: { kind?: unknown; id?: unknown; choice?: unknown }): unknown {
    if (msg.kind === "guard.get" && typeof msg.id === "number") {
      const p = this.pending.get(msg.id);
      return { decision: p ? p.decision : null };
    }
    if (msg.kind === "guard.choose" && typeof msg.id === "number") {
      const p = this.pending.get(msg.id);
      const choice = msg.choice;
      if (!p || (choice !== "remove" && choice !== "send-anyway" && choice !== "cancel")) return { ok: false };
      // Only what this block offers: never "send anyway" without a trust list or for a patient's invalid address.
      if (!choicesFor(p.decision).includes(choice)) return { ok: false };
      this.pending.delete(msg.id);
      p.resolve(choice);
      return { ok: true };
    }
    return undefined;
  }

  get openCount(): number {
    return this.pending.size;
  }
}
