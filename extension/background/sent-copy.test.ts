import { afterEach, describe, expect, it, vi } from "vitest";
import type { MethodName, Params, Result } from "../../shared/protocol/schemas.ts";
import { createFakeMessenger } from "../test-support/fake-messenger.ts";
import type { BridgeCaller } from "./bridge-caller.ts";
import { createBeforeSendListener, type GuardChoice } from "./compose-guard.ts";
import { NO_SENT_COPY_NOTICE, SentCopyCheck } from "./sent-copy.ts";

const ADDRESS = "jean.dupont@medecin.mssante.fr";
const COLLEAGUE = "a@chu-lyon.mssante.fr";

const bridge: BridgeCaller = {
  connected: true,
  async call<M extends MethodName>(method: M, _params: Params<M>): Promise<Result<M>> {
    if (method === "trust.list")
      return { domains: ["medecin.mssante.fr", "chu-lyon.mssante.fr"], date: "2026-11-20T06:00:00Z", testOnly: false } as Result<M>;
    if (method === "directory.lookupByAddress") return { entry: { email: COLLEAGUE } } as unknown as Result<M>;
    throw new Error(`unexpected ${method}`);
  },
};

/** The guard and the Sent copy check wired as background.ts wires them, on a fake messenger. */
async function setup(opts: { held: boolean; answer?: GuardChoice }) {
  const { messenger, fake } = createFakeMessenger();
  const created = await fake.mssAccounts.createOrRepairAccount({
    email: ADDRESS,
    realName: "Jean Dupont",
    imap: { host: "imap.medecin.mssante.fr", port: 143, socketType: 2, authMethod: 7 },
    smtp: { host: "smtp.medecin.mssante.fr", port: 587, socketType: 2, authMethod: 7 },
  });
  if (!created.ok) throw new Error(created.message);
  if (opts.held) await fake.mssAccounts.holdChecks(created.accountId, true);
  fake.identities.set("id1", { id: "id1", email: ADDRESS, accountId: created.accountId });
  const check = new SentCopyCheck(messenger);
  messenger.compose.onBeforeSend.addListener(
    createBeforeSendListener({
      messenger,
      bridge,
      askUser: async () => opts.answer ?? "cancel",
      sentCopy: (tab, details) => check.beforeSend(tab, details),
    }),
  );
  messenger.compose.onAfterSend.addListener((tab, info) => check.afterSend(tab, info));
  return { messenger, fake, accountId: created.accountId };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Sent copy of a message from an account whose logon does not work (issue 13)", () => {
  it('held account: sent with no copy (overrideDefaultFccFolder ""), and one notice in French naming the mailbox', async () => {
    const info = vi.spyOn(console, "info").mockImplementation(() => undefined);
    const { fake, accountId } = await setup({ held: true });
    expect(await fake.send(1, { identityId: "id1", to: [COLLEAGUE], subject: "Compte rendu" })).toEqual({ sent: true });
    expect(fake.composeTabs.get(1)).toMatchObject({ overrideDefaultFccFolder: "", to: [COLLEAGUE] });
    expect(fake.notifications).toHaveLength(1);
    expect(fake.notifications[0]!.id).toBe(NO_SENT_COPY_NOTICE);
    expect(fake.notifications[0]!.title).toBe("MSSanté : message envoyé, sans copie dans « Envoyés »");
    expect(fake.notifications[0]!.message).toContain("Le message est parti");
    expect(fake.notifications[0]!.message).toContain(ADDRESS);
    expect(fake.notifications[0]!.message).toContain("Configurer MSSanté");
    const lines = info.mock.calls.map((c) => String(c[0]));
    expect(lines).toContain(`[mss] send.no-sent-copy {"reason":"logon-not-working","accountId":"${accountId}"}`);
    expect(lines).toContain("[mss] send.no-sent-copy-notice");
    // The logs never carry the address, the subject or the recipients.
    expect(lines.join("\n")).not.toMatch(/jean\.dupont|Compte rendu|chu-lyon/);
  });

  it("an account whose logon works: the message is untouched, no notice", async () => {
    const { fake } = await setup({ held: false });
    expect(await fake.send(1, { identityId: "id1", to: [COLLEAGUE] })).toEqual({ sent: true });
    expect(fake.composeTabs.get(1)).not.toHaveProperty("overrideDefaultFccFolder");
    expect(fake.composeTabs.get(1)).not.toHaveProperty("overrideDefaultFcc");
    expect(fake.notifications).toEqual([]);
  });

  it("a send that fails (card out at SMTP): no notice; once the logon works the same message gets its Sent folder back", async () => {
    const { fake, accountId } = await setup({ held: true });
    await fake.send(1, { identityId: "id1", to: [COLLEAGUE] }, { mode: "sendNow", error: "Access denied" });
    expect(fake.composeTabs.get(1)).toMatchObject({ overrideDefaultFccFolder: "" });
    expect(fake.notifications).toEqual([]);
    await fake.mssAccounts.holdChecks(accountId, false); // a setup's logon worked
    await fake.send(1, { identityId: "id1", to: [COLLEAGUE] });
    expect(fake.composeTabs.get(1)).toMatchObject({ overrideDefaultFcc: false });
    expect(fake.notifications).toEqual([]);
  });

  it("a message queued for later is not said to have left", async () => {
    const { fake } = await setup({ held: true });
    await fake.send(1, { identityId: "id1", to: [COLLEAGUE] }, { mode: "sendLater" });
    expect(fake.composeTabs.get(1)).toMatchObject({ overrideDefaultFccFolder: "" });
    expect(fake.notifications).toEqual([]);
  });

  it("a message the guard stops is not touched; one the user clears by removing recipients leaves without a copy", async () => {
    const stopped = await setup({ held: true, answer: "cancel" });
    expect(await stopped.fake.send(1, { identityId: "id1", to: ["patient@gmail.com"] })).toEqual({ sent: false });
    expect(stopped.fake.composeTabs.get(1)).not.toHaveProperty("overrideDefaultFccFolder");
    expect(stopped.fake.mssAccounts.calls).not.toContain("findAccount");

    const removed = await setup({ held: true, answer: "remove" });
    expect(await removed.fake.send(2, { identityId: "id1", to: [COLLEAGUE, "patient@gmail.com"] })).toEqual({ sent: true });
    expect(removed.fake.composeTabs.get(2)).toMatchObject({ to: [COLLEAGUE], overrideDefaultFccFolder: "" });
    expect(removed.fake.notifications.map((n) => n.id)).toEqual([NO_SENT_COPY_NOTICE]);
  });

  it("the Experiment failing keeps Thunderbird's default and the message still goes", async () => {
    const { messenger, fake } = await setup({ held: true });
    vi.spyOn(messenger.mssAccounts, "findAccount").mockRejectedValue(new Error("Experiment unavailable"));
    expect(await fake.send(1, { identityId: "id1", to: [COLLEAGUE] })).toEqual({ sent: true });
    expect(fake.composeTabs.get(1)).not.toHaveProperty("overrideDefaultFccFolder");
    expect(fake.notifications).toEqual([]);
  });
});
