/** The trace in storage.local, with the hooks on a fake Thunderbird: sends, deletions, moves, guard decisions, receipts; CSV without the INS. */
import { describe, expect, it } from "vitest";
import { createFakeMailbox } from "../../test-support/fake-mailbox.ts";
import { LAST_GUARD_KEY } from "../compose-guard.ts";
import { TraceHooks } from "./trace-hooks.ts";
import { handleTraceMessage } from "./trace-page-api.ts";
import { TRACE_KEY_KEY, TRACE_SETTINGS_KEY, TraceJournal, TRACES_KEY } from "./trace-journal.ts";
import type { TraceEntry } from "./trace-entry.ts";

const INS = "279035121518989";
const PATIENT = `${INS}@patient.mssante.fr`;
const ACCOUNT = {
  accountId: "account1",
  email: "jean.dupont@medecin.mssante.fr",
  imapHost: "imap.operateur.mssante.fr",
  smtpHost: "smtp.operateur.mssante.fr",
  provisionedAt: new Date().toISOString(),
};
const settle = () => new Promise((r) => setTimeout(r, 20));

function setup(now = () => new Date()) {
  const { m, fake, box } = createFakeMailbox();
  fake.storage.set("mss.accounts", [ACCOUNT]);
  fake.identities.set("id1", { id: "id1", accountId: "account1", email: ACCOUNT.email });
  fake.identities.set("id2", { id: "id2", accountId: "personal", email: "me@gmail.example" });
  const journal = new TraceJournal(m, now);
  const hooks = new TraceHooks(m, journal);
  hooks.start();
  return { m, fake, box, journal, hooks };
}

describe("the trace", () => {
  it("a send from the MSSanté account, from its Sent copy: who, message id, SMTP host, recipients with the patient hashed", async () => {
    const { fake, journal } = setup();
    const copy = {
      id: 9,
      author: `Dr Jean Dupont <${ACCOUNT.email}>`,
      subject: "Compte rendu",
      recipients: [`Patient <${PATIENT}>`],
      ccList: ["Dr Martin <paul.martin@hopital.mssante.fr>"],
      bccList: [],
      headerMessageId: "abc@medecin.mssante.fr",
      folder: { accountId: "account1", path: "/Sent" },
    };
    await fake.send(
      1,
      { identityId: "id1", to: [PATIENT], subject: "Compte rendu" },
      { mode: "sendNow", headerMessageId: "<abc@medecin.mssante.fr>", messages: [copy] },
    );
    await fake.send(3, { identityId: "id1", to: "a@b" }, { mode: "sendNow", error: "SMTP refused", messages: [] });
    await fake.send(4, { identityId: "id1", to: "a@b" }, { mode: "draft", messages: [] });
    await settle();
    const list = await journal.entries();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      action: "send",
      who: ACCOUNT.email,
      messageId: "abc@medecin.mssante.fr",
      server: ACCOUNT.smtpHost,
      detail: "sendNow",
    });
    expect(list[0]!.recipients[0]).toMatch(/^patient:[0-9a-f]{32}$/);
    expect(list[0]!.recipients[1]).toBe("paul.martin@hopital.mssante.fr");
    expect(typeof fake.storage.get(TRACE_KEY_KEY)).toBe("string");
    const { csv, count } = await journal.csv();
    expect(count).toBe(1);
    expect(csv).not.toContain(INS);
    expect(csv).not.toContain("Compte rendu");
    expect(csv).toContain("abc@medecin.mssante.fr");
  });

  it("a send with no Sent copy: from the compose details; a personal account's send is not traced", async () => {
    const { fake, journal } = setup();
    await fake.send(
      1,
      { identityId: "id1", to: [`Patient <${PATIENT}>`], cc: "x@hopital.mssante.fr" },
      { mode: "sendLater", headerMessageId: "q@m", messages: [] },
    );
    await fake.send(2, { identityId: "id2", to: "x@y.example" }, { mode: "sendNow", headerMessageId: "p@gmail", messages: [] });
    await settle();
    const list = await journal.entries();
    expect(list.map((e) => [e.who, e.messageId, e.recipients.length, e.detail])).toEqual([[ACCOUNT.email, "q@m", 2, "sendLater"]]);
    expect(JSON.stringify(list)).not.toContain(INS);
  });

  it("deletions and moves (IMAP host, folders), guard decisions through storage.onChanged, a receipt", async () => {
    const { m, box, journal, hooks } = setup();
    const h = { id: 1, author: "a@b", subject: "s", headerMessageId: "m1@x", folder: { accountId: "account1", path: "/INBOX" } };
    for (const { fn } of box.events.onDeleted.entries) fn({ id: null, messages: [h] });
    for (const { fn } of box.events.onMoved.entries)
      fn({ id: null, messages: [h] }, { id: null, messages: [{ ...h, id: 2, folder: { accountId: "account1", path: "/Trash" } }] });
    await m.storage.local.set({
      [LAST_GUARD_KEY]: {
        at: new Date().toISOString(),
        action: "block",
        reason: "untrusted-recipients",
        blocked: [PATIENT],
        warnings: [],
        choice: "cancel",
      },
    });
    await hooks.receipt({
      messageId: "m1@x",
      accountId: "account1",
      report: {
        kind: "dsn",
        originalMessageId: "m1@x",
        envelopeId: null,
        recipients: [{ address: PATIENT, action: "delivered", status: "2.0.0" }],
      },
      receipts: { recipients: {}, updatedAt: new Date().toISOString() },
    });
    await settle();
    const list = await journal.entries();
    // Events are written as they settle (addresses hashed first): compared in action order.
    const rows = list.map((e) => [e.action, e.server, e.detail]).sort((a, b) => a[0]!.localeCompare(b[0]!));
    expect(rows).toEqual([
      ["delete", ACCOUNT.imapHost, "/INBOX"],
      ["guard-block", "", "untrusted-recipients/cancel"],
      ["move", ACCOUNT.imapHost, "/INBOX -> /Trash"],
      ["receipt", ACCOUNT.imapHost, "dsn:delivered"],
    ]);
    expect(JSON.stringify(list)).not.toContain(INS);
    const label = (action: string) => list.find((e) => e.action === action)!.recipients[0];
    expect(label("guard-block")).toMatch(/^patient:/);
    expect(label("guard-block")).toBe(label("receipt"));
  });

  it("a message marked read (opened) or unread, flagged or not: traced with the IMAP host; tags and other accounts are not", async () => {
    const { box, journal } = setup();
    const h = { id: 1, author: "a@b", subject: "s", headerMessageId: "<m1@x>", folder: { accountId: "account1", path: "/INBOX" } };
    const other = { ...h, id: 2, headerMessageId: "p@gmail", folder: { accountId: "personal", path: "/INBOX" } };
    for (const { fn } of box.events.onUpdated.entries) {
      fn(h, { read: true });
      fn(h, { tags: ["mss_read"] });
      fn(other, { read: true });
      fn(h, { read: false });
      fn(h, { flagged: true });
      fn(other, { flagged: true });
      fn(h, { flagged: false });
    }
    await settle();
    const list = await journal.entries();
    expect(list.map((e) => [e.action, e.who, e.messageId, e.server, e.detail])).toEqual([
      ["read", ACCOUNT.email, "m1@x", ACCOUNT.imapHost, "/INBOX"],
      ["unread", ACCOUNT.email, "m1@x", ACCOUNT.imapHost, "/INBOX"],
      ["flag", ACCOUNT.email, "m1@x", ACCOUNT.imapHost, "/INBOX"],
      ["unflag", ACCOUNT.email, "m1@x", ACCOUNT.imapHost, "/INBOX"],
    ]);
  });

  it("a guard decision names the sender and the account's SMTP host (provisioned accounts only), and the Message-ID when the record has one", async () => {
    const { m, journal } = setup();
    const guard = { action: "allow", reason: "all-trusted", blocked: [], warnings: [], choice: null };
    await m.storage.local.set({
      [LAST_GUARD_KEY]: { ...guard, at: new Date().toISOString(), accountId: "account1", sender: ACCOUNT.email, tabId: 3 },
    });
    await settle();
    await m.storage.local.set({ [LAST_GUARD_KEY]: { ...guard, at: new Date().toISOString(), accountId: "account1", messageId: "<g1@x>" } });
    await settle();
    await m.storage.local.set({
      [LAST_GUARD_KEY]: { ...guard, at: new Date().toISOString(), accountId: "personal", sender: "me@gmail.example" },
    });
    await settle();
    const rows = (await journal.entries()).map((e) => [e.action, e.who, e.messageId, e.server]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ["guard-allow", ACCOUNT.email, "", ACCOUNT.smtpHost],
        ["guard-allow", ACCOUNT.email, "g1@x", ACCOUNT.smtpHost],
        ["guard-allow", "", "", ""],
      ]),
    );
    expect(rows).toHaveLength(3);
  });

  it("read receipts the GP returned or declined (mssReadReceipts): provisioned accounts only, the patient hashed", async () => {
    const { m, journal } = setup();
    const listeners: ((a: unknown) => void)[] = [];
    const withReceipts = Object.assign(m, {
      mssReadReceipts: { onAnswered: { addListener: (l: (a: unknown) => void) => listeners.push(l), removeListener: () => undefined } },
    });
    new TraceHooks(withReceipts, journal).start();
    const answer = { accountId: "account1", messageId: "<r1@hopital.mssante.fr>", to: "paul.martin@hopital.mssante.fr", automatic: false };
    for (const l of listeners) {
      l({ ...answer, outcome: "sent" });
      l({ ...answer, messageId: "r2@patient.mssante.fr", to: PATIENT, outcome: "declined" });
      l({ ...answer, accountId: "personal", outcome: "sent" });
      l({ ...answer, messageId: "r3@hopital.mssante.fr", outcome: "sent", automatic: true });
    }
    await settle();
    // In the order of the Message-IDs: a patient's label is hashed first, so its entry may come later.
    const list = (await journal.entries()).sort((a, b) => a.messageId.localeCompare(b.messageId));
    expect(list.map((e) => [e.action, e.who, e.messageId, e.server, e.detail])).toEqual([
      ["receipt-returned", ACCOUNT.email, "r1@hopital.mssante.fr", ACCOUNT.smtpHost, "mdn:asked"],
      ["receipt-declined", ACCOUNT.email, "r2@patient.mssante.fr", "", "mdn:asked"],
      ["receipt-returned", ACCOUNT.email, "r3@hopital.mssante.fr", ACCOUNT.smtpHost, "mdn:auto"],
    ]);
    expect(list[0]!.recipients).toEqual(["paul.martin@hopital.mssante.fr"]);
    expect(list[1]!.recipients[0]).toMatch(/^patient:[0-9a-f]{32}$/);
    expect(JSON.stringify(list)).not.toContain(INS);
  });

  it("retention: the default year, a configured period, pruned on start", async () => {
    let now = new Date();
    const { fake, journal } = setup(() => now);
    const DAY = 86_400_000;
    const old: TraceEntry = {
      at: new Date(now.getTime() - 40 * DAY).toISOString(),
      action: "delete",
      who: "",
      messageId: "",
      server: "",
      recipients: [],
      detail: "",
    };
    fake.storage.set(TRACES_KEY, [old]);
    expect(await journal.retentionDays()).toBe(365);
    expect(await journal.prune()).toBe(0);
    expect(await journal.setRetentionDays(10)).toBe(false);
    expect(await journal.setRetentionDays(30)).toBe(true);
    expect(fake.storage.get(TRACE_SETTINGS_KEY)).toEqual({ retentionDays: 30 });
    expect(await journal.entries()).toEqual([]);
    fake.storage.set(TRACES_KEY, [{ ...old, at: new Date(now.getTime() - 20 * DAY).toISOString() }]);
    now = new Date(now.getTime() + 11 * DAY);
    journal.start();
    await settle();
    journal.stop();
    expect(await journal.entries()).toEqual([]);
  });
});

describe("the options page's messages", () => {
  it("settings, a new period (checked), the CSV; other messages are left to others", async () => {
    const { journal } = setup();
    await journal.record({
      action: "delete",
      who: ACCOUNT.email,
      messageId: "m@x",
      server: ACCOUNT.imapHost,
      recipients: [],
      detail: "/INBOX",
    });
    expect(await handleTraceMessage(journal, { kind: "traces.settings" })).toEqual({ retentionDays: 365, count: 1 });
    expect(await handleTraceMessage(journal, { kind: "traces.retention", retentionDays: 5 })).toEqual({ ok: false });
    expect(await handleTraceMessage(journal, { kind: "traces.retention", retentionDays: 730 })).toEqual({ ok: true });
    expect(await journal.retentionDays()).toBe(730);
    const r = (await handleTraceMessage(journal, { kind: "traces.csv" })) as { csv: string; count: number };
    expect(r.count).toBe(1);
    expect(r.csv.split("\r\n")[1]).toMatch(/,delete,jean\.dupont@medecin\.mssante\.fr,m@x,imap\.operateur\.mssante\.fr,,\/INBOX$/);
    expect(handleTraceMessage(journal, { kind: "status.get" })).toBeUndefined();
  });
});
