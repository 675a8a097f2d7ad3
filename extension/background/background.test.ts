import { afterEach, describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { bytesToBase64 } from "../../shared/protocol/proofs.ts";
import type { NotificationParams } from "../../shared/protocol/schemas.ts";
import { FakeBridge, nodeSocketFactory, testSecret } from "../test-support/fake-bridge.ts";
import { IDENTITY, NO_CARD, READER, WITH_CARD } from "../test-support/card-states.ts";
import { createFakeMessenger } from "../test-support/fake-messenger.ts";
import { startBackground, type Background } from "./background.ts";
import { KNOWN_ACCOUNTS_KEY } from "./compose-guard.ts";
import { PAIRING_KEY, PAIRING_REVOKED_KEY } from "./pairing-store.ts";
import { STATUS_KEY, type ExtensionStatus } from "./status.ts";

const consoleInfo = vi.spyOn(console, "info").mockImplementation(() => undefined);

const running: { bg: Background; bridge: FakeBridge }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.bg.client.stop();
    r.bg.native.stop();
    await r.bridge.stop();
  }
});

const LAUNCH_ID = "LaunchLaunchLaunch0001";
const FAST_NATIVE = { backoff: { baseMs: 50, maxMs: 400, factor: 2, jitter: 0 } };

/** A native host that hands over `bridge`'s port and a credential it registers with that bridge, as the real host does. */
function nativeHostFor(fake: ReturnType<typeof createFakeMessenger>["fake"], bridge: FakeBridge, count = { n: 0 }) {
  fake.nativeApps.set("mssante_bridge", (h) => {
    count.n++;
    const id = `${LAUNCH_ID.slice(0, 18)}${String(count.n).padStart(4, "0")}`;
    bridge.opts.launchCredentials ??= new Map();
    bridge.opts.launchCredentials.set(id, testSecret(40 + count.n));
    h.send({
      type: "bridge",
      port: bridge.port,
      credential: bytesToBase64(testSecret(40 + count.n)),
      launchId: id,
      protocolVersion: 2,
      bridgeVersion: "0.0.0-fake",
    });
    return () => bridge.opts.launchCredentials!.delete(id); // the host detaches: its credential is withdrawn
  });
  return count;
}

/**
 * `native` (default true): a native host is installed and hands over a credential. `paired`: a stored
 * pairing (a typed code) too; with `native: false` it is the only way in.
 */
async function world(opts: { paired?: boolean; native?: boolean; card?: typeof WITH_CARD | typeof NO_CARD } = {}) {
  const { messenger, fake } = createFakeMessenger();
  const origin = messenger.runtime.getURL("").replace(/\/$/, "");
  let card: typeof WITH_CARD | typeof NO_CARD = opts.card ?? WITH_CARD;
  const bridge = new FakeBridge({
    secret: testSecret(),
    pairedOrigins: [],
    handlers: {
      "card.getState": () => card,
      "card.getIdentity": () => IDENTITY,
      "card.getPinStatus": () => ({ state: "ok", pinPad: false }),
    },
  });
  await bridge.start();
  const nativeConnects = opts.native === false ? { n: 0 } : nativeHostFor(fake, bridge);
  if (opts.paired) {
    bridge.opts.pairedOrigins!.push(origin);
    fake.storage.set(PAIRING_KEY, { port: bridge.port, secret: bytesToBase64(testSecret()), pairedAt: "x", via: "code" });
  }
  const bg = startBackground(messenger, { createSocket: nodeSocketFactory(origin), native: FAST_NATIVE });
  running.push({ bg, bridge });
  const setCard = (c: typeof WITH_CARD | typeof NO_CARD) => (card = c);
  return { messenger, fake, bridge, bg, origin, setCard, nativeConnects };
}

async function until(pred: () => boolean, ms = 4000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("background", () => {
  it("registers the address book and the compose guard synchronously", () => {
    const { messenger, fake } = createFakeMessenger();
    const bg = startBackground(messenger, { createSocket: nodeSocketFactory("moz-extension://x") });
    expect(fake.events.onSearchRequest.size).toBe(1);
    expect(fake.events.onBeforeSend.size).toBe(1);
    bg.client.stop();
  });

  it("reaches the bridge through the native port's hand-over with no typed code, stores nothing, is authenticated both ways", async () => {
    const { fake, bridge, bg } = await world();
    await until(() => bg.status().bridge.kind === "connected");
    expect(fake.storage.has(PAIRING_KEY)).toBe(false); // the per-launch credential lives in memory only
    expect(bridge.conns.find((c) => c.authenticated)?.launch).toMatch(/^LaunchLaunch/);
    expect(fake.nativeConnects.get("mssante_bridge")).toBe(1);
    // The status is mirrored for pages and test drivers, without the credential.
    await until(() => (fake.storage.get(STATUS_KEY) as ExtensionStatus | undefined)?.identity?.surname === "DUPONT");
    expect(JSON.stringify(fake.storage.get(STATUS_KEY))).not.toContain(bytesToBase64(testSecret(41)));
    expect(fake.badge.icon).toBe("icons/mss-ok.svg");
  });

  it("hands the pairing its own connection proved to the parent's directory search, only its fields; a refused pairing disconnects it", async () => {
    const { messenger, fake } = createFakeMessenger();
    const calls: unknown[] = [];
    messenger.mssDirectorySearch = {
      connect: async (config) => {
        calls.push(["connect", config]);
        return { ok: true, state: "connecting" };
      },
      disconnect: async () => {
        calls.push(["disconnect"]);
        return { ok: true, state: "stopped" };
      },
    };
    const origin = messenger.runtime.getURL("").replace(/\/$/, "");
    const bridge = new FakeBridge({ secret: testSecret(), pairedOrigins: [origin] });
    await bridge.start();
    // A pairing stored by an older version, with a field the Experiment's schema does not declare.
    fake.storage.set(PAIRING_KEY, { port: bridge.port, secret: bytesToBase64(testSecret()), pairedAt: "x", via: "code", note: "old" });
    const bg = startBackground(messenger, { createSocket: nodeSocketFactory(origin), native: FAST_NATIVE });
    running.push({ bg, bridge });
    await until(() => calls.length > 0);
    expect(calls[0]).toEqual([
      "connect",
      {
        pairing: { port: bridge.port, secret: bytesToBase64(testSecret()), pairedAt: "x", via: "code" },
        clientName: expect.stringMatching(/^mssante-thunderbird\//),
      },
    ]);
    // The bridge no longer knows this installation: the parent's connection is closed too.
    bridge.opts.pairedOrigins!.length = 0;
    bridge.dropAll();
    await until(() => calls.some((c) => (c as unknown[])[0] === "disconnect"));
  });

  it("the native path first, the stored pairing second: when the native port drops it falls back, and comes back", async () => {
    const w = await world({ paired: true });
    await until(() => w.bg.status().bridge.kind === "connected");
    expect(w.bridge.conns.find((c) => c.authenticated)?.launch).not.toBeNull();
    // The host goes (its bridge stopped, Thunderbird killed it): the stored pairing takes over.
    w.fake.nativeApps.delete("mssante_bridge");
    w.bg.native.restart();
    await until(() => w.bridge.conns.some((c) => c.authenticated && c.launch === null));
    await until(() => w.bg.status().bridge.kind === "connected");
    // The host is back: the next hand-over is used again.
    nativeHostFor(w.fake, w.bridge, w.nativeConnects);
    await until(() => w.bridge.conns.filter((c) => c.authenticated).at(-1)?.launch != null);
    await until(() => w.bg.status().bridge.kind === "connected");
  });

  it("a hand-over the bridge does not hold (the host detached) is asked for again, never recorded as a withdrawal", async () => {
    const w = await world();
    await until(() => w.bg.status().bridge.kind === "connected");
    w.bridge.opts.launchCredentials!.clear();
    w.bridge.dropAll();
    await until(() => w.nativeConnects.n >= 2);
    await until(() => w.bg.status().bridge.kind === "connected");
    expect(w.bg.status().pairingRevoked).toBe(false);
    expect(w.fake.storage.has(PAIRING_REVOKED_KEY)).toBe(false);
  });

  it("pauses mail checks when the card is pulled and resumes them when it returns", async () => {
    const w = await world({ paired: true });
    const created = await w.fake.mssAccounts.createOrRepairAccount({
      email: "jean.dupont@medecin.mssante.fr",
      realName: "Jean Dupont",
      imap: { host: "cert.medecin.mssante.fr", port: 143, socketType: 2, authMethod: 7 },
      smtp: { host: "cert.medecin.mssante.fr", port: 587, socketType: 2, authMethod: 7 },
    });
    if (!created.ok) throw new Error("fake failed");
    w.fake.storage.set(KNOWN_ACCOUNTS_KEY, [
      { accountId: created.accountId, email: "jean.dupont@medecin.mssante.fr", imapHost: "cert", smtpHost: "cert", provisionedAt: "x" },
    ]);
    await until(() => w.bg.status().bridge.kind === "connected" && w.bg.status().identity !== null);

    const removed: NotificationParams<"card.changed"> = { event: "removed", reader: READER.name, state: NO_CARD };
    w.setCard(NO_CARD);
    const t0 = Date.now();
    w.bridge.notify("card.changed", removed);
    await until(() => w.bg.status().checksPaused);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(w.fake.mssAccounts.accounts[0]!.paused).toBe(true);
    expect(w.bg.status().identity).toBeNull();
    expect(w.fake.badge.icon).toBe("icons/mss-nocard.svg");

    w.setCard(WITH_CARD);
    w.bridge.notify("card.changed", { event: "inserted", reader: READER.name, state: WITH_CARD });
    await until(() => !w.bg.status().checksPaused && w.bg.status().identity !== null);
    expect(w.fake.mssAccounts.accounts[0]!.paused).toBe(false);
    expect(w.fake.mssAccounts.pauseCalls.map((c) => c.paused)).toContain(true);
  });

  it("two cards in (the bridge answers SEVERAL_CARDS): the button warns until the other card is removed", async () => {
    const w = await world({ paired: true });
    const several = () => {
      throw {
        code: ErrorCode.SEVERAL_CARDS,
        message: "2 cards are seen by the card's PKCS#11 module. Remove the other card; or start the bridge with --reader NAME.",
      };
    };
    w.bridge.opts.handlers!["card.getIdentity"] = several;
    w.bridge.opts.handlers!["card.getPinStatus"] = several;
    await until(() => w.bg.status().cardProblem?.code === "SEVERAL_CARDS");
    expect(w.bg.status()).toMatchObject({ identity: null, pin: null });
    expect(w.fake.badge).toMatchObject({ icon: "icons/mss-warn.svg", text: "!", title: w.messenger.i18n.getMessage("statusCardProblem") });
    expect(w.fake.badge.title).not.toBe("");
    await until(() => (w.fake.storage.get(STATUS_KEY) as ExtensionStatus | undefined)?.cardProblem?.code === "SEVERAL_CARDS");

    w.bridge.opts.handlers!["card.getIdentity"] = () => IDENTITY;
    w.bridge.opts.handlers!["card.getPinStatus"] = () => ({ state: "ok", pinPad: false });
    w.bridge.notify("card.changed", { event: "removed", reader: "Other reader", state: WITH_CARD });
    await until(() => w.bg.status().cardProblem === null && w.bg.status().identity !== null);
    expect(w.fake.badge).toMatchObject({ icon: "icons/mss-ok.svg", title: w.messenger.i18n.getMessage("statusCardOk") });
  });

  it("serves pages the allowed bridge methods only", async () => {
    const w = await world({ paired: true });
    await until(() => w.bg.status().bridge.kind === "connected");
    expect(await w.messenger.runtime.sendMessage({ kind: "bridge.call", method: "card.getState", params: {} })).toEqual({
      ok: true,
      result: WITH_CARD,
    });
    expect(await w.messenger.runtime.sendMessage({ kind: "bridge.call", method: "session.hello", params: {} })).toMatchObject({
      ok: false,
      error: { code: "METHOD_NOT_FOUND" },
    });
    expect(await w.messenger.runtime.sendMessage({ kind: "bridge.call", method: "trust.check", params: { address: 42 } })).toMatchObject({
      ok: false,
      error: { code: "INVALID_PARAMS" },
    });
    expect(await w.messenger.runtime.sendMessage({ kind: "status.get" })).toMatchObject({ bridge: { kind: "connected" } });
  });

  it("pairs with a typed code from the setup page when native messaging is missing", async () => {
    const { messenger, fake } = createFakeMessenger();
    const origin = messenger.runtime.getURL("").replace(/\/$/, "");
    const bridge = new FakeBridge({ secret: testSecret(9), pairingCode: "ABCD-2345", pairedOrigins: [] });
    await bridge.start();
    const bg = startBackground(messenger, { createSocket: nodeSocketFactory(origin), native: FAST_NATIVE });
    running.push({ bg, bridge });
    await until(() => bg.status().bridge.kind === "unpaired");
    expect(await messenger.runtime.sendMessage({ kind: "pair.native" })).toMatchObject({
      ok: false,
      error: { code: "NATIVE_UNAVAILABLE" },
    });
    expect(await messenger.runtime.sendMessage({ kind: "pair.code", code: "abcd2345", port: bridge.port })).toEqual({ ok: true });
    await until(() => bg.status().bridge.kind === "connected");
    expect(fake.storage.get(PAIRING_KEY)).toMatchObject({ via: "code", port: bridge.port, secret: bytesToBase64(testSecret(9)) });
  });

  it("after the bridge withdraws the stored pairing (mss-bridge unpair), it stores none again by itself; the native path is the setup page's button", async () => {
    const w = await world({ paired: true, native: false });
    await until(() => w.bg.status().bridge.kind === "connected");
    // The bridge forgets this origin and drops the connection, as `mss-bridge unpair <origin>` does
    // (the secret stays, so its "not paired" comes with a proof of it).
    w.bridge.opts.pairedOrigins!.length = 0;
    w.bridge.dropAll();
    await until(() => w.bg.status().pairingRevoked);
    expect(w.bg.status().bridge).toMatchObject({ kind: "unpaired", bridgeReachable: true });
    await new Promise((r) => setTimeout(r, 700));
    expect(w.bg.status()).toMatchObject({ bridge: { kind: "unpaired" }, pairingRevoked: true });
    expect(w.fake.storage.get(PAIRING_REVOKED_KEY)).toMatchObject({ at: expect.any(String) });
    expect(w.fake.storage.has(PAIRING_KEY)).toBe(false); // the refused secret is dropped
    expect(w.fake.badge.title).toBe(w.messenger.i18n.getMessage("statusPairingRevoked"));

    // `mss-bridge install` done since; the user clicks "Pair automatically" on the setup page.
    nativeHostFor(w.fake, w.bridge, w.nativeConnects);
    expect(await w.messenger.runtime.sendMessage({ kind: "pair.native" })).toEqual({ ok: true });
    await until(() => w.bg.status().bridge.kind === "connected");
    expect(w.bg.status().pairingRevoked).toBe(false);
    expect(w.fake.storage.has(PAIRING_REVOKED_KEY)).toBe(false);
    expect(w.fake.storage.has(PAIRING_KEY)).toBe(false); // still nothing stored
  });

  it("remembers a withdrawn stored pairing across restarts", async () => {
    const { messenger, fake } = createFakeMessenger();
    fake.storage.set(PAIRING_REVOKED_KEY, { at: "2026-11-20T10:00:00.000Z" });
    const bg = startBackground(messenger, { createSocket: nodeSocketFactory("moz-extension://x"), native: FAST_NATIVE });
    try {
      await until(() => bg.status().bridge.kind === "unpaired" && bg.status().pairingRevoked);
    } finally {
      bg.client.stop();
      bg.native.stop();
    }
  });

  it("logs (without details) a card event it could not handle, instead of an unhandled rejection", async () => {
    const w = await world({ paired: true });
    await until(() => w.bg.status().bridge.kind === "connected" && w.bg.status().identity !== null);
    const get = w.messenger.storage.local.get.bind(w.messenger.storage.local);
    w.messenger.storage.local.get = async (keys) => {
      if (keys === KNOWN_ACCOUNTS_KEY) throw new Error("storage broken");
      return get(keys);
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      consoleInfo.mockClear();
      w.setCard(NO_CARD);
      w.bridge.notify("card.changed", { event: "removed", reader: READER.name, state: NO_CARD });
      await until(() => consoleInfo.mock.calls.some((c) => String(c[0]).startsWith("[mss] card.changed-failed")));
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      const line = String(consoleInfo.mock.calls.find((c) => String(c[0]).startsWith("[mss] card.changed-failed"))![0]);
      expect(line).toBe('[mss] card.changed-failed {"code":"Error"}');
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("opens the setup page on first install only", () => {
    const { messenger, fake } = createFakeMessenger();
    const bg = startBackground(messenger, { createSocket: nodeSocketFactory("moz-extension://x") });
    for (const { fn } of fake.events.onInstalled.entries) fn({ reason: "update" });
    expect(fake.tabs).toEqual([]);
    for (const { fn } of fake.events.onInstalled.entries) fn({ reason: "install" });
    expect(fake.tabs[0]!.url).toMatch(/pages\/setup\/setup\.html$/);
    bg.client.stop();
  });
});
