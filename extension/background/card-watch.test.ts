import { describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import type { MethodName, NotificationParams, Params, Result } from "../../shared/protocol/schemas.ts";
import { IDENTITY, NO_CARD, READER, WITH_CARD } from "../test-support/card-states.ts";
import { createFakeMessenger } from "../test-support/fake-messenger.ts";
import type { BridgeCaller } from "./bridge-caller.ts";
import { CardWatch } from "./card-watch.ts";
import { ClientError } from "./client-error.ts";
import { KNOWN_ACCOUNTS_KEY } from "./compose-guard.ts";
import { initialStatus, type ExtensionStatus } from "./status.ts";

vi.spyOn(console, "info").mockImplementation(() => undefined);

const inserted: NotificationParams<"card.changed"> = { event: "inserted", reader: READER.name, state: WITH_CARD };
const removed: NotificationParams<"card.changed"> = { event: "removed", reader: READER.name, state: NO_CARD };

/**
 * A bridge whose card reads wait until the test releases them (a slow card), or answer at once;
 * a method in `errors` fails as the bridge client reports it (a ClientError by code).
 */
function slowCardBridge() {
  const waiting: Array<() => void> = [];
  let slow = true;
  const errors: Partial<Record<MethodName, ClientError>> = {};
  const b: BridgeCaller = {
    connected: true,
    async call<M extends MethodName>(method: M, _p: Params<M>): Promise<Result<M>> {
      if (slow) await new Promise<void>((r) => waiting.push(r));
      const err = errors[method];
      if (err) throw err;
      if (method === "card.getIdentity") return IDENTITY as Result<M>;
      if (method === "card.getPinStatus") return { state: "ok", pinPad: false } as Result<M>;
      if (method === "card.getState") return WITH_CARD as Result<M>;
      throw new Error(`unexpected ${method}`);
    },
  };
  return {
    b,
    release: () => {
      for (const r of waiting.splice(0)) r();
    },
    pending: () => waiting.length,
    answerAtOnce: () => (slow = false),
    errors,
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
  const watch = new CardWatch(
    messenger,
    bridge.b,
    (p) => (status = { ...status, ...p }),
    () => status,
  );
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

/** What the bridge answers for these errors (rpc-connection.ts: ClientError.fromRpc), or the client's own. */
const bridgeError = (code: keyof typeof ErrorCode, message: string) => ClientError.fromRpc({ code: ErrorCode[code], message });
const SEVERAL = () =>
  bridgeError(
    "SEVERAL_CARDS",
    "2 cards are seen by the card's PKCS#11 module. Remove the other card; or start the bridge with --reader NAME.",
  );

describe("card watch: a failed card read is a problem in the status, until a read works or the card goes", () => {
  it("two cards inserted (SEVERAL_CARDS): the status keeps the code, no identity, PIN unknown", async () => {
    const w = await world();
    w.bridge.answerAtOnce();
    w.bridge.errors["card.getIdentity"] = SEVERAL();
    w.bridge.errors["card.getPinStatus"] = SEVERAL();
    await w.watch.onCardChanged(inserted);
    expect(w.status()).toMatchObject({ card: WITH_CARD, identity: null, pin: null, cardProblem: { code: "SEVERAL_CARDS" } });
    // The bridge's English message is not kept: the pages say it in the user's language from the code.
    expect(JSON.stringify(w.status())).not.toContain("Remove the other card");
  });

  it.each([
    ["UNKNOWN_CARD", "the card's module does not know this card"],
    ["MODULE_UNAVAILABLE", "the PKCS#11 module could not be loaded"],
    ["TIMEOUT", "the card did not answer in 20 s"],
  ] as const)("%s on the identity read is the card's problem", async (code, message) => {
    const w = await world();
    w.bridge.answerAtOnce();
    w.bridge.errors["card.getIdentity"] = bridgeError(code, message);
    await w.watch.onCardChanged(inserted);
    expect(w.status()).toMatchObject({ identity: null, pin: { state: "ok" }, cardProblem: { code } });
  });

  it("the client giving up on a PIN read (REQUEST_TIMEOUT) is the card's problem too", async () => {
    const w = await world();
    w.bridge.answerAtOnce();
    w.bridge.errors["card.getPinStatus"] = new ClientError("REQUEST_TIMEOUT", "the bridge did not answer card.getPinStatus in 25000 ms");
    await w.watch.onCardChanged(inserted);
    expect(w.status()).toMatchObject({ identity: { surname: "DUPONT" }, pin: null, cardProblem: { code: "REQUEST_TIMEOUT" } });
  });

  it("an error code the extension does not know is still a problem (shown with a generic text)", async () => {
    const w = await world();
    w.bridge.answerAtOnce();
    w.bridge.errors["card.getIdentity"] = ClientError.fromRpc({ code: -32019, message: "some newer card error" });
    await w.watch.onCardChanged(inserted);
    expect(w.status().cardProblem).toEqual({ code: "UNKNOWN" });
  });

  it("is cleared when a later read works (the other card removed)", async () => {
    const w = await world();
    w.bridge.answerAtOnce();
    w.bridge.errors["card.getIdentity"] = SEVERAL();
    w.bridge.errors["card.getPinStatus"] = SEVERAL();
    await w.watch.onCardChanged(inserted);
    expect(w.status().cardProblem).toEqual({ code: "SEVERAL_CARDS" });
    delete w.bridge.errors["card.getIdentity"];
    delete w.bridge.errors["card.getPinStatus"];
    await w.watch.onCardChanged({ event: "removed", reader: "Other reader", state: WITH_CARD });
    expect(w.status()).toMatchObject({ cardProblem: null, identity: { surname: "DUPONT" }, pin: { state: "ok" } });
  });

  it("is cleared when the card is removed", async () => {
    const w = await world();
    w.bridge.answerAtOnce();
    w.bridge.errors["card.getIdentity"] = bridgeError("TIMEOUT", "the card did not answer");
    await w.watch.onCardChanged(inserted);
    expect(w.status().cardProblem).toEqual({ code: "TIMEOUT" });
    await w.watch.onCardChanged(removed);
    expect(w.status()).toMatchObject({ cardProblem: null, identity: null, pin: null, checksPaused: true });
  });

  it("a failed read that finishes after the card was removed is dropped like any stale read", async () => {
    const w = await world();
    w.bridge.errors["card.getIdentity"] = SEVERAL();
    const first = w.watch.onCardChanged(inserted);
    await tick();
    await w.watch.onCardChanged(removed);
    w.bridge.release(); // the insert's reads fail after the removal
    await first;
    expect(w.status()).toMatchObject({ card: NO_CARD, cardProblem: null, identity: null });
  });

  it("a lost connection during the reads is the bridge's state, not a card problem: the known problem stays", async () => {
    const w = await world();
    w.bridge.answerAtOnce();
    w.bridge.errors["card.getIdentity"] = SEVERAL();
    await w.watch.onCardChanged(inserted);
    w.bridge.errors["card.getIdentity"] = new ClientError("CONNECTION_CLOSED", "the connection to the bridge closed");
    w.bridge.errors["card.getPinStatus"] = new ClientError("CONNECTION_CLOSED", "the connection to the bridge closed");
    await w.watch.onCardChanged(inserted);
    expect(w.status().cardProblem).toEqual({ code: "SEVERAL_CARDS" });
  });
});
