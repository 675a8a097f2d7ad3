import { describe, expect, it } from "vitest";
import type { MethodName, Params, Result } from "../../shared/protocol/schemas.ts";
import { createFakeMessenger } from "../test-support/fake-messenger.ts";
import type { BridgeCaller } from "./bridge-caller.ts";
import { ClientError } from "./client-error.ts";
import { createBeforeSendListener, KNOWN_ACCOUNTS_KEY, LAST_GUARD_KEY, type GuardChoice, type GuardRecord } from "./compose-guard.ts";
import type { GuardDecision } from "./guard-decision.ts";
import { GuardDialogs } from "./guard-dialog.ts";
import { TRUST_CACHE_KEY } from "./trust-cache.ts";

const DOMAINS = ["medecin.mssante.fr", "chu-lyon.mssante.fr"];

/** A bridge caller answering trust.list and directory lookups, or down. */
function bridge(opts: { up: boolean; inDirectory?: string[] }): BridgeCaller & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    get connected() {
      return opts.up;
    },
    async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
      calls.push(method);
      if (!opts.up) throw new ClientError("NOT_CONNECTED", "down");
      if (method === "trust.list") return { domains: DOMAINS, date: "2026-11-20T06:00:00Z", testOnly: true } as Result<M>;
      if (method === "directory.lookupByAddress") {
        const a = (params as { address: string }).address;
        return { entry: opts.inDirectory?.includes(a) ? ({ email: a } as never) : null } as Result<M>;
      }
      throw new Error("unexpected " + method);
    },
  };
}

function setup(b: BridgeCaller, answer: GuardChoice = "cancel") {
  const { messenger, fake } = createFakeMessenger();
  fake.identities.set("id1", { id: "id1", email: "jean.dupont@medecin.mssante.fr" });
  fake.identities.set("id2", { id: "id2", email: "jean@gmail.com" });
  const asked: GuardDecision[] = [];
  messenger.compose.onBeforeSend.addListener(
    createBeforeSendListener({
      messenger,
      bridge: b,
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
    expect(last()).toMatchObject({ action: "block", reason: "untrusted-recipients", blocked: ["patient@gmail.com", "x@yahoo.fr"], choice: "cancel", listSource: "live" });
  });

  it("sends anyway only on the explicit per-message choice", async () => {
    const { fake, last } = setup(bridge({ up: true }), "send-anyway");
    expect((await fake.send(1, { identityId: "id1", to: ["patient@gmail.com"] })).sent).toBe(true);
    expect(last().choice).toBe("send-anyway");
  });

  it("removes the blocked recipients from the message when asked, and does not send", async () => {
    const { fake } = setup(bridge({ up: true }), "remove");
    const r = await fake.send(7, { identityId: "id1", to: ["Dr A <a@chu-lyon.mssante.fr>", "patient@gmail.com"], cc: "x@yahoo.fr, b@medecin.mssante.fr" });
    expect(r.sent).toBe(false);
    expect(fake.composeTabs.get(7)).toMatchObject({ to: ["Dr A <a@chu-lyon.mssante.fr>"], cc: ["b@medecin.mssante.fr"], bcc: [] });
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
    fake.storage.set(KNOWN_ACCOUNTS_KEY, [{ accountId: "account1", email: "jean.dupont@medecin.mssante.fr", imapHost: "i", smtpHost: "s", provisionedAt: "x" }]);
    const r = await fake.send(1, { identityId: "id1", to: ["a@chu-lyon.mssante.fr"] });
    // Even "send anyway" does not override the lack of any list.
    expect(r.sent).toBe(false);
    expect(asked[0]).toEqual({ action: "block", reason: "no-trust-list" });
    expect(last().reason).toBe("no-trust-list");
  });
});

describe("guard dialog", () => {
  it("opens a window, serves the decision to it, and resolves with the page's choice", async () => {
    const { messenger, fake } = createFakeMessenger();
    const dialogs = new GuardDialogs(messenger);
    const decision = { action: "block", reason: "untrusted-recipients", blocked: [], warnings: [], list: { date: null, source: "live", testOnly: false } } as const;
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
