import { describe, expect, it } from "vitest";
import { encodedMessageSize, PATIENT_MESSAGE_LIMIT } from "../../shared/domain/patient-recipients.ts";
import type { MethodName, Params, Result } from "../../shared/protocol/schemas.ts";
import { createFakeMessenger } from "../test-support/fake-messenger.ts";
import type { BridgeCaller } from "./bridge-caller.ts";
import { ClientError } from "./client-error.ts";
import { createBeforeSendListener, KNOWN_ACCOUNTS_KEY, LAST_GUARD_KEY, type GuardChoice, type GuardRecord } from "./compose-guard.ts";
import type { GuardDecision } from "./guard-decision.ts";
import { GuardDialogs } from "./guard-dialog.ts";
import { TRUST_CACHE_KEY } from "./trust-cache.ts";

const DOMAINS = ["medecin.mssante.fr", "chu-lyon.mssante.fr"];

const LIVE: Result<"trust.list"> = { domains: DOMAINS, date: "2026-11-20T06:00:00Z", testOnly: false };

/** A bridge caller answering trust.list (the given list, or "no list") and directory lookups, or down. */
function bridge(opts: {
  up: boolean;
  inDirectory?: string[];
  list?: Result<"trust.list"> | "unavailable";
}): BridgeCaller & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    get connected() {
      return opts.up;
    },
    async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
      calls.push(method);
      if (!opts.up) throw new ClientError("NOT_CONNECTED", "down");
      if (method === "trust.list") {
        if (opts.list === "unavailable") throw new ClientError("TRUST_LIST_UNAVAILABLE", "No trust-space list is loaded", -32030);
        return (opts.list ?? LIVE) as Result<M>;
      }
      if (method === "directory.lookupByAddress") {
        const a = (params as { address: string }).address;
        return { entry: opts.inDirectory?.includes(a) ? ({ email: a } as never) : null } as Result<M>;
      }
      throw new Error(`unexpected ${method}`);
    },
  };
}

function setup(b: BridgeCaller, answer: GuardChoice = "cancel", testBuild = false) {
  const { messenger, fake } = createFakeMessenger();
  fake.identities.set("id1", { id: "id1", accountId: "account1", email: "jean.dupont@medecin.mssante.fr" });
  fake.identities.set("id2", { id: "id2", email: "jean@gmail.com" });
  const asked: GuardDecision[] = [];
  messenger.compose.onBeforeSend.addListener(
    createBeforeSendListener({
      messenger,
      bridge: b,
      testBuild,
      askUser: async (_tab, d) => {
        asked.push(d);
        return answer;
      },
    }),
  );
  const last = () => fake.storage.get(LAST_GUARD_KEY) as GuardRecord;
  return { messenger, fake, asked, last };
}

describe("compose guard (onBeforeSend)", () => {
  it("lets an all-trusted message leave and refreshes the cached trust list", async () => {
    const { fake, asked } = setup(bridge({ up: true, inDirectory: ["a@chu-lyon.mssante.fr"] }));
    expect(await fake.send(1, { identityId: "id1", to: ["Dr A <a@chu-lyon.mssante.fr>"] })).toEqual({ sent: true });
    expect(asked).toEqual([]);
    expect(fake.storage.get(TRUST_CACHE_KEY)).toMatchObject({ domains: DOMAINS, date: "2026-11-20T06:00:00Z" });
  });

  it("cancels a send with recipients outside the trust space and names them", async () => {
    const { fake, asked, last } = setup(bridge({ up: true }));
    const r = await fake.send(1, { identityId: "id1", to: ["a@chu-lyon.mssante.fr"], cc: ["patient@gmail.com"], bcc: ["x@yahoo.fr"] });
    expect(r.sent).toBe(false);
    expect(asked).toHaveLength(1);
    expect(last()).toMatchObject({
      action: "block",
      reason: "untrusted-recipients",
      blocked: ["patient@gmail.com", "x@yahoo.fr"],
      choice: "cancel",
      listSource: "live",
    });
  });

  it("records who sends for the trace: identity, account, address and compose tab; no Message-ID before the send", async () => {
    const { fake, last } = setup(bridge({ up: true }));
    await fake.send(5, { identityId: "id1", to: ["patient@gmail.com"] });
    expect(last()).toMatchObject({ identityId: "id1", accountId: "account1", sender: "jean.dupont@medecin.mssante.fr", tabId: 5 });
    // Thunderbird's compose details carry no Message-ID before the send: none is made up.
    expect(last().messageId).toBeUndefined();
    await fake.send(6, { from: "Moi <moi@exemple.fr>", to: ["patient@gmail.com"] });
    expect(last()).toMatchObject({ sender: "moi@exemple.fr", tabId: 6 });
    expect(last().identityId).toBeUndefined();
  });

  it("sends anyway only on the explicit per-message choice", async () => {
    const { fake, last } = setup(bridge({ up: true }), "send-anyway");
    expect((await fake.send(1, { identityId: "id1", to: ["patient@gmail.com"] })).sent).toBe(true);
    expect(last().choice).toBe("send-anyway");
  });

  it("removes the blocked recipients when asked and sends to the others in the same click", async () => {
    const { fake, asked, last } = setup(bridge({ up: true }), "remove");
    const r = await fake.send(7, {
      identityId: "id1",
      to: ["Dr A <a@chu-lyon.mssante.fr>", "patient@gmail.com"],
      cc: "x@yahoo.fr, b@medecin.mssante.fr",
    });
    // Sent, with the fields Thunderbird applies before sending: the trusted recipients only.
    expect(r.sent).toBe(true);
    expect(fake.composeTabs.get(7)).toMatchObject({ to: ["Dr A <a@chu-lyon.mssante.fr>"], cc: ["b@medecin.mssante.fr"], bcc: [] });
    expect(asked[0]).toMatchObject({ reason: "untrusted-recipients", kept: 2 });
    expect(last()).toMatchObject({ choice: "remove", blocked: ["patient@gmail.com", "x@yahoo.fr"] });
  });

  it("with nobody left after removing, takes them out and keeps the message open (not sent)", async () => {
    const { fake, asked } = setup(bridge({ up: true }), "remove");
    const r = await fake.send(8, { identityId: "id1", to: ["patient@gmail.com"], bcc: ["x@yahoo.fr"] });
    expect(r.sent).toBe(false);
    expect(asked[0]).toMatchObject({ kept: 0 });
    expect(fake.composeTabs.get(8)).toMatchObject({ to: [], cc: [], bcc: [] });
  });

  it("warns (notification) but sends when a trusted recipient is not in the directory", async () => {
    const { fake } = setup(bridge({ up: true, inDirectory: [] }));
    expect((await fake.send(1, { identityId: "id1", to: ["unknown@chu-lyon.mssante.fr"] })).sent).toBe(true);
    expect(fake.notifications).toHaveLength(1);
    expect(fake.notifications[0]!.message).toContain("unknown@chu-lyon.mssante.fr");
  });

  it("does not look at mail from other identities", async () => {
    const b = bridge({ up: true });
    const { fake } = setup(b);
    expect((await fake.send(1, { identityId: "id2", to: ["anyone@gmail.com"] })).sent).toBe(true);
    expect(b.calls).not.toContain("directory.lookupByAddress");
  });

  it("with the bridge down, uses the last cached list (and its date)", async () => {
    const { fake, last } = setup(bridge({ up: false }));
    fake.storage.set(TRUST_CACHE_KEY, { domains: DOMAINS, date: "2026-11-01", testOnly: false, fetchedAt: "2026-11-02T00:00:00Z" });
    expect((await fake.send(1, { identityId: "id1", to: ["a@chu-lyon.mssante.fr"] })).sent).toBe(true);
    expect((await fake.send(2, { identityId: "id1", to: ["patient@gmail.com"] })).sent).toBe(false);
    expect(last()).toMatchObject({ listSource: "cache", listDate: "2026-11-01", blocked: ["patient@gmail.com"] });
  });

  it("with the bridge down and no copy of the list, blocks MSSanté sends with an explanation", async () => {
    const { fake, asked, last } = setup(bridge({ up: false }), "send-anyway");
    fake.storage.set(KNOWN_ACCOUNTS_KEY, [
      { accountId: "account1", email: "jean.dupont@medecin.mssante.fr", imapHost: "i", smtpHost: "s", provisionedAt: "x" },
    ]);
    const r = await fake.send(1, { identityId: "id1", to: ["a@chu-lyon.mssante.fr"] });
    // Even "send anyway" does not override the lack of any list.
    expect(r.sent).toBe(false);
    expect(asked[0]).toEqual({ action: "block", reason: "no-trust-list" });
    expect(last().reason).toBe("no-trust-list");
  });
});

const SAVED = { domains: DOMAINS, date: "2026-11-01T06:00:00Z", testOnly: false, fetchedAt: "2026-11-02T00:00:00Z" };
const TEST_LIST: Result<"trust.list"> = {
  domains: ["medecin.mssante.test", "chu.mssante.test"],
  date: "2026-11-25T06:00:00Z",
  testOnly: true,
};
const PROVISIONED = [{ accountId: "account1", email: "jean.dupont@medecin.mssante.fr", imapHost: "i", smtpHost: "s", provisionedAt: "x" }];

describe("compose guard: the saved trust list is only replaced by a better one", () => {
  for (const [what, list] of [
    ["says it has no list (TRUST_LIST_UNAVAILABLE)", "unavailable"],
    ["answers an empty list (an older bridge)", { domains: [], date: null, testOnly: false }],
  ] as Array<[string, Result<"trust.list"> | "unavailable"]>) {
    it(`a bridge that ${what} keeps the saved copy, and the guard decides with it (an identity not provisioned included)`, async () => {
      const { fake, last } = setup(bridge({ up: true, list }));
      fake.storage.set(TRUST_CACHE_KEY, SAVED);
      // jean.dupont@medecin.mssante.fr is not in mss.accounts: it is MSSanté mail all the same.
      expect((await fake.send(1, { identityId: "id1", to: ["patient@gmail.com"] })).sent).toBe(false);
      expect(last()).toMatchObject({
        action: "block",
        reason: "untrusted-recipients",
        blocked: ["patient@gmail.com"],
        listSource: "cache",
        listDate: SAVED.date,
      });
      expect((await fake.send(2, { identityId: "id1", to: ["a@chu-lyon.mssante.fr"] })).sent).toBe(true);
      expect(fake.storage.get(TRUST_CACHE_KEY)).toEqual(SAVED);
    });

    it(`a bridge that ${what}, with no saved copy: the no-list block, which "send anyway" does not override`, async () => {
      const { fake, asked, last } = setup(bridge({ up: true, list }), "send-anyway");
      fake.storage.set(KNOWN_ACCOUNTS_KEY, PROVISIONED);
      expect((await fake.send(1, { identityId: "id1", to: ["a@chu-lyon.mssante.fr"] })).sent).toBe(false);
      expect(asked[0]).toEqual({ action: "block", reason: "no-trust-list" });
      expect(last()).toMatchObject({ reason: "no-trust-list", choice: "cancel" });
      expect(fake.storage.has(TRUST_CACHE_KEY)).toBe(false);
    });
  }

  it("keeps a newer saved copy over an older list from the bridge, and takes a newer one", async () => {
    const newer = { ...SAVED, domains: [...DOMAINS, "pharmacien.mssante.fr"], date: "2026-11-28T06:00:00Z" };
    const { fake, last } = setup(bridge({ up: true, list: LIVE }));
    fake.storage.set(TRUST_CACHE_KEY, newer);
    expect((await fake.send(1, { identityId: "id1", to: ["p@pharmacien.mssante.fr"] })).sent).toBe(true);
    expect(last()).toMatchObject({ action: "allow", listSource: "cache", listDate: newer.date });
    expect(fake.storage.get(TRUST_CACHE_KEY)).toEqual(newer);

    fake.storage.set(TRUST_CACHE_KEY, SAVED); // older than LIVE
    expect((await fake.send(2, { identityId: "id1", to: ["a@chu-lyon.mssante.fr"] })).sent).toBe(true);
    expect(last()).toMatchObject({ listSource: "live", listDate: LIVE.date });
    expect(fake.storage.get(TRUST_CACHE_KEY)).toMatchObject({ domains: DOMAINS, date: LIVE.date, testOnly: false });
  });

  it("never saves a test-only list (production build): the saved real copy decides; with none, the test list serves, marked, for this session", async () => {
    const state: { up: boolean; list: Result<"trust.list"> } = { up: true, list: TEST_LIST };
    const { fake, asked, last } = setup(bridge(state), "cancel");
    fake.storage.set(TRUST_CACHE_KEY, SAVED);
    expect((await fake.send(1, { identityId: "id1", to: ["x@chu.mssante.test"] })).sent).toBe(false);
    expect(last()).toMatchObject({ reason: "untrusted-recipients", listSource: "cache", listDate: SAVED.date });
    expect(fake.storage.get(TRUST_CACHE_KEY)).toEqual(SAVED);

    fake.storage.delete(TRUST_CACHE_KEY);
    expect((await fake.send(2, { identityId: "id1", to: ["x@chu.mssante.test", "patient@gmail.com"] })).sent).toBe(false);
    expect(asked.at(-1)).toMatchObject({ reason: "untrusted-recipients", list: { source: "live", testOnly: true } });
    expect(fake.storage.has(TRUST_CACHE_KEY)).toBe(false);
    // The bridge stops: this session's test list still decides, still marked, still not saved.
    state.up = false;
    expect((await fake.send(3, { identityId: "id1", to: ["patient@gmail.com"] })).sent).toBe(false);
    expect(asked.at(-1)).toMatchObject({ reason: "untrusted-recipients", list: { source: "cache", testOnly: true, date: TEST_LIST.date } });
    expect(fake.storage.has(TRUST_CACHE_KEY)).toBe(false);
  });

  it("a test/demo build keeps the test-only list as its saved copy (the e2e harness and the demo rely on it)", async () => {
    const { fake, last } = setup(bridge({ up: true, list: TEST_LIST }), "cancel", true);
    expect((await fake.send(1, { identityId: "id1", to: ["x@chu.mssante.test"] })).sent).toBe(true);
    expect(last()).toMatchObject({ action: "allow", listSource: "live" });
    expect(fake.storage.get(TRUST_CACHE_KEY)).toMatchObject({ domains: TEST_LIST.domains, testOnly: true });
  });
});

describe("guard dialog", () => {
  it("opens a window, serves the decision to it, and resolves with the page's choice", async () => {
    const { messenger, fake } = createFakeMessenger();
    const dialogs = new GuardDialogs(messenger);
    const decision = {
      action: "block",
      reason: "untrusted-recipients",
      blocked: [],
      warnings: [],
      list: { date: null, source: "live", testOnly: false },
    } as const;
    const p = dialogs.ask({ id: 1 }, decision as never);
    await new Promise((r) => setTimeout(r, 0));
    expect(fake.windows[0]!.url).toMatch(/^moz-extension:\/\/.+\/pages\/guard\/guard\.html\?id=1$/);
    expect(dialogs.handleMessage({ kind: "guard.get", id: 1 })).toEqual({ decision });
    expect(dialogs.handleMessage({ kind: "guard.choose", id: 1, choice: "send-anyway" })).toEqual({ ok: true });
    expect(await p).toBe("send-anyway");
  });

  it("treats closing the window as going back to the message, and refuses send-anyway without a list", async () => {
    const { messenger, fake } = createFakeMessenger();
    const dialogs = new GuardDialogs(messenger);
    const p = dialogs.ask({ id: 1 }, { action: "block", reason: "no-trust-list" });
    await new Promise((r) => setTimeout(r, 0));
    expect(dialogs.handleMessage({ kind: "guard.choose", id: 1, choice: "send-anyway" })).toEqual({ ok: false });
    fake.closeWindow(fake.windows[0]!.id);
    expect(await p).toBe("cancel");
  });
});

/** Invented INS matricules with keys computed outside this code (guard-decision.test.ts says how). */
const PATIENT = "279035121518989@patient.mssante.fr";
const CORSICA = "185052A00412356@patient.mssante.fr";
const BAD_KEY = "279035121518988@patient.mssante.fr";
const BAD_CORSICA = "185052B00412356@patient.mssante.fr";

describe("compose guard: writing to patients (Mon espace santé)", () => {
  it("stops a patient address with a wrong INS key (Corsica included) and says why; 'send anyway' is not taken; the INS is not stored", async () => {
    for (const to of [BAD_KEY, BAD_CORSICA]) {
      const { fake, asked, last } = setup(bridge({ up: true }), "send-anyway");
      expect((await fake.send(1, { identityId: "id1", to: [`Mme Durand <${to}>`] })).sent).toBe(false);
      expect(asked[0]).toMatchObject({
        reason: "invalid-patient-address",
        blocked: [{ address: to.toLowerCase(), problem: "patient-ins-invalid", ins: { code: "INS_KEY" } }],
      });
      expect(last()).toMatchObject({
        action: "block",
        reason: "invalid-patient-address",
        blocked: ["[INS]@patient.mssante.fr"],
        choice: "cancel",
      });
      expect(JSON.stringify(last())).not.toMatch(/\d{13}/);
    }
  });

  it("lets a patient with a valid INS through (Corsica's 2A too), the domain absent from the trust list", async () => {
    const b = bridge({ up: true });
    const { fake, asked, last } = setup(b);
    expect((await fake.send(1, { identityId: "id1", to: [PATIENT, CORSICA] })).sent).toBe(true);
    expect(asked).toEqual([]);
    expect(last()).toMatchObject({ action: "allow", reason: "all-trusted", warnings: [] });
    expect(b.calls).not.toContain("directory.lookupByAddress");
  });

  it("'remove' takes the bad patient address out and sends to the others", async () => {
    const { fake, last } = setup(bridge({ up: true, inDirectory: ["a@chu-lyon.mssante.fr"] }), "remove");
    expect((await fake.send(3, { identityId: "id1", to: ["a@chu-lyon.mssante.fr", BAD_KEY] })).sent).toBe(true);
    expect(fake.composeTabs.get(3)).toMatchObject({ to: ["a@chu-lyon.mssante.fr"] });
    expect(last()).toMatchObject({ reason: "invalid-patient-address", choice: "remove" });
  });

  it("points out a patient with professionals: the GP goes on, or goes back", async () => {
    const on = setup(bridge({ up: true, inDirectory: ["a@chu-lyon.mssante.fr"] }), "send-anyway");
    expect((await on.fake.send(1, { identityId: "id1", to: [PATIENT], cc: ["a@chu-lyon.mssante.fr"] })).sent).toBe(true);
    expect(on.asked[0]).toMatchObject({
      reason: "patient-with-professionals",
      mixed: { patients: [PATIENT], professionals: ["a@chu-lyon.mssante.fr"] },
    });
    expect(on.last()).toMatchObject({ action: "block", reason: "patient-with-professionals", choice: "send-anyway", patients: 1 });
    const back = setup(bridge({ up: true, inDirectory: ["a@chu-lyon.mssante.fr"] }), "cancel");
    expect((await back.fake.send(1, { identityId: "id1", to: [PATIENT, "a@chu-lyon.mssante.fr"] })).sent).toBe(false);
    expect(back.last()).toMatchObject({ reason: "patient-with-professionals", choice: "cancel" });
  });

  it("stops a message to a patient over 25 MB as submitted, from the attachments Thunderbird lists, at the byte", async () => {
    const details = {
      identityId: "id1",
      to: [PATIENT],
      subject: "Imagerie",
      plainTextBody: "Bonjour,\nvoici les images.",
      isPlainText: true,
    };
    // The largest attachment that keeps this message at 25 MB or under, by the estimate.
    const sizeWith = (bytes: number) =>
      encodedMessageSize({
        headers: [PATIENT, "Imagerie"],
        html: null,
        plainText: details.plainTextBody,
        attachments: [{ name: "irm.zip", size: bytes }],
      });
    let fits = 0;
    for (let hi = PATIENT_MESSAGE_LIMIT; fits < hi; ) {
      const mid = Math.ceil((fits + hi) / 2);
      if (sizeWith(mid) <= PATIENT_MESSAGE_LIMIT) fits = mid;
      else hi = mid - 1;
    }
    for (const [bytes, sent] of [
      [fits, true],
      [fits + 1, false],
    ] as const) {
      const { messenger, fake, asked, last } = setup(bridge({ up: true }), "send-anyway");
      messenger.compose.listAttachments = async () => [{ id: 1, name: "irm.zip", size: bytes }];
      expect((await fake.send(1, details)).sent, String(bytes)).toBe(sent);
      if (!sent) {
        expect(asked[0]).toMatchObject({ reason: "patient-message-too-large", size: sizeWith(bytes), limit: PATIENT_MESSAGE_LIMIT });
        expect(last()).toMatchObject({ reason: "patient-message-too-large", choice: "cancel", size: sizeWith(bytes), blocked: [] });
      }
    }
    // The same attachment to a professional is not Mon espace santé's business; nothing is listed then.
    const { messenger, fake } = setup(bridge({ up: true, inDirectory: ["a@chu-lyon.mssante.fr"] }));
    let listed = 0;
    messenger.compose.listAttachments = async () => {
      listed++;
      return [{ id: 1, name: "irm.zip", size: 40_000_000 }];
    };
    expect((await fake.send(1, { ...details, to: ["a@chu-lyon.mssante.fr"] })).sent).toBe(true);
    expect(listed).toBe(0);
  });

  it("the dialog refuses 'send anyway' for a bad patient address and a message too large, and takes 'go on' for the mix", async () => {
    const { messenger } = createFakeMessenger();
    const dialogs = new GuardDialogs(messenger);
    const list = { date: null, source: "live", testOnly: false } as const;
    const asks = [
      dialogs.ask({ id: 1 }, { action: "block", reason: "invalid-patient-address", blocked: [], warnings: [], list, kept: 0, mixed: null }),
      dialogs.ask({ id: 1 }, { action: "block", reason: "patient-message-too-large", size: 3e7, limit: 25e6, patients: [PATIENT], list }),
      dialogs.ask(
        { id: 1 },
        {
          action: "block",
          reason: "patient-with-professionals",
          mixed: { patients: [PATIENT], professionals: ["a@x"] },
          warnings: [],
          list,
        },
      ),
    ];
    await new Promise((r) => setTimeout(r, 0));
    expect(dialogs.handleMessage({ kind: "guard.choose", id: 1, choice: "send-anyway" })).toEqual({ ok: false });
    expect(dialogs.handleMessage({ kind: "guard.choose", id: 2, choice: "send-anyway" })).toEqual({ ok: false });
    expect(dialogs.handleMessage({ kind: "guard.choose", id: 2, choice: "remove" })).toEqual({ ok: false });
    expect(dialogs.handleMessage({ kind: "guard.choose", id: 3, choice: "remove" })).toEqual({ ok: false });
    expect(dialogs.handleMessage({ kind: "guard.choose", id: 1, choice: "remove" })).toEqual({ ok: true });
    expect(dialogs.handleMessage({ kind: "guard.choose", id: 2, choice: "cancel" })).toEqual({ ok: true });
    expect(dialogs.handleMessage({ kind: "guard.choose", id: 3, choice: "send-anyway" })).toEqual({ ok: true });
    expect(await Promise.all(asks)).toEqual(["remove", "cancel", "send-anyway"]);
  });
});
