/**
 * Only the bridge that proves the pairing secret may withdraw the pairing: an unauthenticated
 * "not paired" answer — another user's bridge on the port, or any process squatting it — must
 * leave the stored secret in place (security audit, docs/decisions.md). A bridge older or newer
 * than this extension (docs/protocol.md §8) gets no proof either, and the state names the side to
 * update.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { bytesToBase64 } from "../../shared/protocol/proofs.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import { FakeBridge, nodeSocketFactory, testSecret } from "../test-support/fake-bridge.ts";
import { createFakeMessenger } from "../test-support/fake-messenger.ts";
import { startBackground, type Background } from "./background.ts";
import { olderSide } from "./bridge-client.ts";
import { PAIRING_KEY, PAIRING_REVOKED_KEY } from "./pairing-store.ts";

vi.spyOn(console, "info").mockImplementation(() => undefined);

const running: { bg: Background; bridge: FakeBridge }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.bg.client.stop();
    await r.bridge.stop();
  }
});

async function until(pred: () => boolean, ms = 4000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A background holding a pairing (secret 7) for whatever `bridge` listens on its port. */
async function pairedExtensionFacing(bridge: FakeBridge) {
  const { messenger, fake } = createFakeMessenger();
  const origin = messenger.runtime.getURL("").replace(/\/$/, "");
  await bridge.start();
  let nativeCalls = 0;
  fake.nativeHosts.set("mssante_bridge", () => {
    nativeCalls++;
    return { type: "error", message: "not asked" };
  });
  const stored = { port: bridge.port, secret: bytesToBase64(testSecret()), pairedAt: "x", via: "native" };
  fake.storage.set(PAIRING_KEY, stored);
  const bg = startBackground(messenger, { createSocket: nodeSocketFactory(origin) });
  running.push({ bg, bridge });
  return { fake, bg, stored, origin, nativeCalls: () => nativeCalls };
}

describe("unpairing claims", () => {
  it("another user's bridge on the port (another secret, our origin unknown) does not unpair us", async () => {
    const w = await pairedExtensionFacing(new FakeBridge({ secret: testSecret(42), pairedOrigins: [] }));
    await until(() => w.bg.status().bridge.kind === "unpaired");
    await new Promise((r) => setTimeout(r, 300)); // the background's reaction, if any
    expect(w.fake.storage.get(PAIRING_KEY)).toEqual(w.stored);
    expect(w.fake.storage.has(PAIRING_REVOKED_KEY)).toBe(false);
    expect(w.bg.status().pairingRevoked).toBe(false);
    expect(w.nativeCalls()).toBe(0); // nor does it pair again by itself with whatever answers there
  });

  it("a squatter answering session.hello with NOT_PAIRED does not unpair us", async () => {
    const w = await pairedExtensionFacing(new FakeBridge({ secret: testSecret(42), helloError: ErrorCode.NOT_PAIRED }));
    await until(() => w.bg.status().bridge.kind !== "connecting" && w.bg.status().bridge.kind !== "idle");
    await new Promise((r) => setTimeout(r, 300));
    expect(w.fake.storage.get(PAIRING_KEY)).toEqual(w.stored);
    expect(w.bg.status().pairingRevoked).toBe(false);
  });

  it("our own bridge, proving the secret, does withdraw the pairing (mss-bridge unpair)", async () => {
    const w = await pairedExtensionFacing(new FakeBridge({ secret: testSecret(), pairedOrigins: [] }));
    await until(() => w.bg.status().pairingRevoked);
    expect(w.fake.storage.has(PAIRING_KEY)).toBe(false);
    expect(w.fake.storage.get(PAIRING_REVOKED_KEY)).toMatchObject({ at: expect.any(String) });
  });
});

describe("a bridge from before protocol 2", () => {
  it("is refused as too old (its proofs are not bound to the port): no proof of ours, the secret kept", async () => {
    const w = await pairedExtensionFacing(new FakeBridge({ secret: testSecret(), pairedOrigins: [], protocolVersion: 1 }));
    await until(() => w.bg.status().bridge.kind === "incompatible");
    const s = w.bg.status().bridge;
    expect(s.kind === "incompatible" && s.message).toMatch(/update the MSSanté bridge/i);
    expect(s.kind === "incompatible" && s.update).toBe("bridge");
    expect(running[0]!.bridge.calls).toEqual(["session.hello"]);
    expect(w.fake.storage.get(PAIRING_KEY)).toEqual(w.stored);
    expect(w.bg.status().pairingRevoked).toBe(false);
  });
});

describe("a bridge newer than this extension (it speaks only later protocol versions)", () => {
  it("answers UNSUPPORTED_VERSION: incompatible, the extension named as the side to update, no proof sent, the secret kept", async () => {
    const w = await pairedExtensionFacing(
      new FakeBridge({
        secret: testSecret(),
        pairedOrigins: [],
        helloError: ErrorCode.UNSUPPORTED_VERSION,
        helloErrorData: { supported: [PROTOCOL_VERSION + 1] },
      }),
    );
    await until(() => w.bg.status().bridge.kind === "incompatible");
    const s = w.bg.status().bridge;
    expect(s.kind === "incompatible" && s.update).toBe("extension");
    expect(running[0]!.bridge.calls).toEqual(["session.hello"]);
    expect(w.fake.storage.get(PAIRING_KEY)).toEqual(w.stored);
    expect(w.bg.status().pairingRevoked).toBe(false);
  });
});

describe("olderSide: which side an UNSUPPORTED_VERSION asks to update", () => {
  it.each([
    [[PROTOCOL_VERSION + 1], "extension"],
    [[PROTOCOL_VERSION + 1, PROTOCOL_VERSION + 2], "extension"],
    [undefined, "extension"],
    [[PROTOCOL_VERSION], "bridge"],
    [[1], "bridge"],
  ] as const)("supported %j: update the %s", (supported, side) => {
    expect(olderSide(supported)).toBe(side);
  });
});

describe("a relay on the stored port", () => {
  it("forwarding to the real bridge on another port gets the bridge's proof for the wrong port: nothing of ours is sent", async () => {
    const { WebSocketServer, WebSocket } = await import("ws");
    const { WS_PATH } = await import("../../shared/constants.ts");
    const bridge = new FakeBridge({ secret: testSecret(), pairedOrigins: [] });
    await bridge.start();
    const relay = new WebSocketServer({ host: "127.0.0.1", port: 0, path: WS_PATH });
    await new Promise<void>((r) => relay.once("listening", () => r()));
    relay.on("connection", (down, req) => {
      const up = new WebSocket(`ws://127.0.0.1:${bridge.port}${WS_PATH}`, { origin: String(req.headers.origin) });
      const queue: string[] = [];
      up.on("open", () => {
        for (const m of queue.splice(0)) up.send(m);
      });
      down.on("message", (d) => (up.readyState === WebSocket.OPEN ? up.send(d.toString()) : queue.push(d.toString())));
      up.on("message", (d) => down.send(d.toString()));
      down.on("close", () => up.close());
    });
    const { messenger, fake } = createFakeMessenger();
    const origin = messenger.runtime.getURL("").replace(/\/$/, "");
    bridge.opts.pairedOrigins!.push(origin);
    const relayPort = (relay.address() as { port: number }).port;
    fake.storage.set(PAIRING_KEY, { port: relayPort, secret: bytesToBase64(testSecret()), pairedAt: "x", via: "native" });
    const bg = startBackground(messenger, { createSocket: nodeSocketFactory(origin) });
    running.push({ bg, bridge });
    try {
      await until(() => bg.status().bridge.kind === "not-the-bridge");
      expect(bridge.calls).toEqual(["session.hello"]); // our proof never reached the bridge through the relay
      expect(bridge.conns.some((c) => c.authenticated)).toBe(false);
    } finally {
      for (const c of relay.clients) c.terminate();
      await new Promise((r) => relay.close(() => r(undefined)));
    }
  });
});
