import { describe, expect, it, vi } from "vitest";
import type { MethodName, NotificationParams, Params, Result } from "../../shared/protocol/schemas.ts";
import { IDENTITY, NO_CARD, READER, WITH_CARD } from "../test-support/card-states.ts";
import { createFakeMessenger } from "../test-support/fake-messenger.ts";
import type { BridgeCaller } from "./bridge-caller.ts";
import { CardWatch } from "./card-watch.ts";
import { KNOWN_ACCOUNTS_KEY } from "./compose-guard.ts";
import { initialStatus, type ExtensionStatus } from "./status.ts";

vi.spyOn(console, "info").mockImplementation(() => undefined);

const inserted: NotificationParams<"card.changed"> = { event: "inserted", reader: READER.name, state: WITH_CARD };
const removed: NotificationParams<"card.changed"> = { event: "removed", reader: READER.name, state: NO_CARD };

/** A bridge whose card reads wait until the test releases them (a slow card), or answer at once. */
function slowCardBridge() {
  const waiting: Array<() => void> = [];
  let slow = true;
  const b: BridgeCaller = {
    connected: true,
    async call<M extends MethodName>(method: M, _p: Params<M>): Promise<Result<M>> {
      if (slow) await new Promise<void>((r) => waiting.push(r));
      if (method === "card.getIdentity") return IDENTITY as Result<M>;
      if (method === "card.getPinStatus") return { state: "ok", pinPad: false } as Result<M>;
      if (method === "card.getState") return WITH_CARD as Result<M>;
      throw new Error("unexpected " + method);
    },
  };
  return {
    b,
    release: () => waiting.splice(0).forEach((r) => r()),
    pending: () => waiting.length,
    answerAtOnce: () => (slow = false),
  };
}

async function world(accounts = 1) {
  const { messenger, fake } = createFakeMessenger();
  const known = [];
  for (let i = 0; i < accounts; i++) {
    const email = `dr${i}@medecin.mssante.fr`;
    const r = await fake.mssAccounts.createOrRepairAccount({
      email,
      realName: "Dr",
      imap: { host: "imap", port: 143, socketType: 2, authMethod: 7 },
      smtp: { host: "smtp", port: 587, socketType: 2, authMethod: 7 },
    });
    if (!r.ok) throw new Error("fake failed");
    known.push({ accountId: r.accountId, email, imapHost: "imap", smtpHost: "smtp", provisionedAt: "x" });
  }
  fake.storage.set(KNOWN_ACCOUNTS_KEY, known);
  let status: ExtensionStatus = { ...initialStatus(), card: WITH_CARD };
  const bridge = slowCardBridge();
  const watch = new CardWatch(messenger, bridge.b, (p) => (status = { ...status, ...p }), () => status);
  return { fake, bridge, watch, status: () => status };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("card watch: events apply in the order they came", () => {
  it("insert then a quick removal: the insert's slow reads are dropped, checks stay paused, no identity", async () => {
    const w = await world();
    const first = w.watch.onCardChanged(inserted);
    await tick();
    expect(w.bridge.pending()).toBe(2); // identity and PIN reads under way
    const second = w.watch.onCardChanged(removed);
    await second;
    expect(w.status().checksPaused).toBe(true);
    w.bridge.release(); // the card reads of the insert finish after the removal
    await first;
    expect(w.fake.mssAccounts.pauseCalls.map((c) => c.paused)).toEqual([true]);
    expect(w.fake.mssAccounts.accounts[0]!.paused).toBe(true);
    expect(w.status()).toMatchObject({ checksPaused: true, identity: null, pin: null, card: NO_CARD });
  });

  it("removal then a quick insert: checks end resumed, with the card's identity", async () => {
    const w = await world();
    const first = w.watch.onCardChanged(removed);
    const second = w.watch.onCardChanged(inserted);
    await tick();
    w.bridge.release();
    await Promise.all([first, second]);
    expect(w.fake.mssAccounts.pauseCalls.at(-1)?.paused).toBe(false);
    expect(w.fake.mssAccounts.accounts[0]!.paused).toBe(false);
    expect(w.status()).toMatchObject({ checksPaused: false, identity: { surname: "DUPONT" }, card: WITH_CARD });
  });

  it("pause and resume of several accounts never interleave: a slow pause is not overtaken by the resume that follows", async () => {
    const w = await world(2);
    w.bridge.answerAtOnce();
    const accounts = w.fake.mssAccounts;
    const pauseChecks = accounts.pauseChecks.bind(accounts);
    // Pausing is slow, resuming quick: without ordering, the late pauses would land last.
    accounts.pauseChecks = async (id: string, paused: boolean) => {
      await new Promise((r) => setTimeout(r, paused ? 30 : 1));
      return pauseChecks(id, paused);
    };
    const first = w.watch.onCardChanged(removed);
    await new Promise((r) => setTimeout(r, 5)); // the pause of the first account is under way
    const second = w.watch.onCardChanged(inserted);
    await Promise.all([first, second]);
    expect(accounts.pauseCalls.map((c) => c.paused)).toEqual([true, true, false, false]);
    expect(accounts.accounts.map((a) => a.paused)).toEqual([false, false]);
    expect(w.status().checksPaused).toBe(false);
  });

  it("a refresh answered before a card event does not override it", async () => {
    const w = await world();
    const refresh = w.watch.refresh(); // card.getState pending (card in)
    await tick();
    w.bridge.release(); // getState answers "card in"; identity reads start
    await tick();
    const pulled = w.watch.onCardChanged(removed);
    w.bridge.release(); // the refresh's identity reads finish after the removal
    await Promise.all([refresh, pulled]);
    expect(w.status()).toMatchObject({ card: NO_CARD, checksPaused: true, identity: null });
    expect(w.fake.mssAccounts.accounts[0]!.paused).toBe(true);
  });
});
