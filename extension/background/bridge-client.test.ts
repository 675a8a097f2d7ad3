import { afterEach, describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../shared/protocol/proofs.ts";
import { FakeBridge, nodeSocketFactory, testSecret } from "../test-support/fake-bridge.ts";
import { backoffDelay } from "./backoff.ts";
import { BridgeClient, type BridgeState } from "./bridge-client.ts";
import { ClientError } from "./client-error.ts";
import type { Pairing } from "./pairing-store.ts";
import { bridgeUrl, type WebSocketLike } from "./rpc-connection.ts";

const ORIGIN = "moz-extension://0f0e0d0c-0b0a-4909-8807-060504030201";
const CARD_STATE = { pcscAvailable: true, readers: [], boundReader: null, unavailable: null };

const bridges: FakeBridge[] = [];
const clients: BridgeClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  for (const b of bridges.splice(0)) await b.stop();
});

async function startBridge(opts: ConstructorParameters<typeof FakeBridge>[0]): Promise<FakeBridge> {
  const b = new FakeBridge(opts);
  await b.start();
  bridges.push(b);
  return b;
}

function client(pairing: Pairing | null, extra: Partial<ConstructorParameters<typeof BridgeClient>[0]> = {}): BridgeClient {
  let p = pairing;
  const c = new BridgeClient({
    origin: ORIGIN,
    createSocket: nodeSocketFactory(ORIGIN),
    loadPairing: async () => p,
    backoff: { baseMs: 20, maxMs: 200, factor: 2, jitter: 0 },
    handshakeTimeoutMs: 2000,
    ...extra,
  });
  (c as unknown as { setPairing(x: Pairing | null): void }).setPairing = (x) => (p = x);
  clients.push(c);
  return c;
}

function waitFor(c: BridgeClient, kind: BridgeState["kind"], timeoutMs = 4000): Promise<BridgeState> {
  if (c.state.kind === kind) return Promise.resolve(c.state);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`state ${kind} not reached (now ${c.state.kind})`)), timeoutMs);
    const off = c.onState((s) => {
      if (s.kind === kind) {
        clearTimeout(t);
        off();
        resolve(s);
      }
    });
  });
}

const pairingFor = (port: number, secret = testSecret()): Pairing => ({
  port,
  secret: bytesToBase64(secret),
  pairedAt: "2026-01-01T00:00:00Z",
  via: "native",
});

describe("backoff", () => {
  it("grows exponentially up to the cap, with bounded jitter", () => {
    const o = { baseMs: 500, maxMs: 30_000, factor: 2, jitter: 0 };
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, o))).toEqual([500, 1000, 2000, 4000, 30_000]);
    const j = { ...o, jitter: 0.2 };
    expect(backoffDelay(2, j, () => 0)).toBe(1600);
    expect(backoffDelay(2, j, () => 1)).toBe(2400);
  });
});

describe("bridge URL", () => {
  it("is always the loopback address with the paired port", () => {
    expect(bridgeUrl(7431)).toBe("ws://127.0.0.1:7431/mss/v1");
    expect(() => bridgeUrl(0)).toThrow(ClientError);
    expect(() => bridgeUrl(70000)).toThrow(ClientError);
  });
});

describe("BridgeClient authentication", () => {
  it("authenticates both ways with the pairing secret, then calls methods with checked results", async () => {
    const b = await startBridge({ secret: testSecret(), pairedOrigins: [ORIGIN], handlers: { "card.getState": () => CARD_STATE } });
    const c = client(pairingFor(b.port));
    c.start();
    const s = await waitFor(c, "connected");
    expect(s.kind === "connected" && s.hello.demo).toBe(true);
    expect(b.conns[0]!.authenticated).toBe(true);
    expect(b.calls.slice(0, 2)).toEqual(["session.hello", "session.authenticate"]);
    expect(await c.call("card.getState", {})).toEqual(CARD_STATE);
  });

  it("refuses a peer that cannot prove the secret and sends it nothing more", async () => {
    const b = await startBridge({ secret: testSecret(99), impostor: true, handlers: { "card.getState": () => CARD_STATE } });
    const c = client(pairingFor(b.port, testSecret()));
    c.start();
    await waitFor(c, "not-the-bridge");
    expect(b.calls).toEqual(["session.hello"]); // no clientProof given away, no request
    await expect(c.call("card.getState", {})).rejects.toMatchObject({ code: "NOT_CONNECTED" });
  });

  it("refuses a bridge that holds a different secret for this origin", async () => {
    const b = await startBridge({ secret: testSecret(5), pairedOrigins: [ORIGIN] });
    const c = client(pairingFor(b.port, testSecret(6)));
    c.start();
    await waitFor(c, "not-the-bridge");
    expect(b.calls).not.toContain("session.authenticate");
  });

  it("reports unpaired when it has no secret or the bridge does not know its origin", async () => {
    const b = await startBridge({ secret: testSecret(), pairedOrigins: [] });
    // A stored pairing the bridge does not know (it was reset): unpaired, nothing authenticated.
    const c = client(pairingFor(b.port));
    c.start();
    const s = await waitFor(c, "unpaired");
    expect(s.kind === "unpaired" && s.bridgeReachable).toBe(true);
    expect(b.calls).toEqual(["session.hello"]);
  });

  it("with no pairing at all, reports unpaired without connecting anywhere", async () => {
    let sockets = 0;
    const c = client(null, {
      createSocket: (url) => {
        sockets++;
        return nodeSocketFactory(ORIGIN)(url);
      },
    });
    c.start();
    const s = await waitFor(c, "unpaired");
    expect(s.kind === "unpaired" && s.bridgeReachable).toBe(false);
    expect(sockets).toBe(0);
  });

  it("rejects a reply that does not match the protocol schema", async () => {
    const b = await startBridge({
      secret: testSecret(),
      pairedOrigins: [ORIGIN],
      handlers: { "card.getPinStatus": () => ({ state: "maybe", pinPad: "no" }) as never },
    });
    const c = client(pairingFor(b.port));
    c.start();
    await waitFor(c, "connected");
    await expect(c.call("card.getPinStatus", {})).rejects.toMatchObject({ code: "INVALID_REPLY" });
  });

  it("maps bridge errors to typed ClientErrors", async () => {
    const b = await startBridge({
      secret: testSecret(),
      pairedOrigins: [ORIGIN],
      handlers: {
        "card.getIdentity": () => {
          throw { code: -32012, message: "card removed" };
        },
      },
    });
    const c = client(pairingFor(b.port));
    c.start();
    await waitFor(c, "connected");
    await expect(c.call("card.getIdentity", {})).rejects.toMatchObject({ code: "CARD_REMOVED", bridgeCode: -32012 });
  });

  it("drops notifications that fail the schema and delivers valid ones", async () => {
    const b = await startBridge({ secret: testSecret(), pairedOrigins: [ORIGIN] });
    const c = client(pairingFor(b.port));
    const got: string[] = [];
    c.onNotification("card.changed", (n) => got.push(n.event));
    c.start();
    await waitFor(c, "connected");
    b.notify("card.changed", { event: "bogus", reader: null, state: CARD_STATE } as never);
    b.notify("card.changed", { event: "removed", reader: "R", state: CARD_STATE });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(["removed"]);
  });
});

describe("BridgeClient reconnection", () => {
  it("reports down while nothing listens, with growing delays, then connects when the bridge starts", async () => {
    // Reserve a port, then free it: nothing listens there.
    const probe = await startBridge({ secret: testSecret(), pairedOrigins: [ORIGIN] });
    const port = probe.port;
    await probe.stop();
    bridges.pop();
    const c = client(pairingFor(port));
    const delays: number[] = [];
    c.onState((s) => {
      if (s.kind === "down") delays.push(s.retryInMs);
    });
    c.start();
    await new Promise((r) => setTimeout(r, 350));
    expect(delays.length).toBeGreaterThanOrEqual(3);
    expect(delays.slice(0, 3)).toEqual([20, 40, 80]);
    await startBridge({ secret: testSecret(), pairedOrigins: [ORIGIN], port });
    await waitFor(c, "connected", 3000);
  });

  it("reconnects after the connection drops and authenticates again", async () => {
    const b = await startBridge({ secret: testSecret(), pairedOrigins: [ORIGIN] });
    const c = client(pairingFor(b.port));
    c.start();
    await waitFor(c, "connected");
    b.dropAll();
    await waitFor(c, "down");
    await waitFor(c, "connected");
    expect(b.conns.filter((x) => x.authenticated).length).toBe(2);
  });
});

describe("BridgeClient lifecycle", () => {
  it("a pairing that cannot be read is reported (not stuck connecting) and retried", async () => {
    const b = await startBridge({ secret: testSecret(), pairedOrigins: [ORIGIN] });
    let reads = 0;
    const c = client(null, {
      loadPairing: async () => {
        if (++reads === 1) throw new Error("storage unavailable");
        return pairingFor(b.port);
      },
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      c.start();
      const s = await waitFor(c, "down");
      expect(s.kind === "down" && s.reason).toMatch(/saved pairing could not be read/);
      await waitFor(c, "connected");
      expect(reads).toBe(2);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("reconnectNow while connected ends with one authenticated connection, and notifications arrive once", async () => {
    const b = await startBridge({ secret: testSecret(), pairedOrigins: [ORIGIN] });
    // A first retry delay longer than a handshake: a retry scheduled by the old connection's close
    // would fire after the immediate reconnection has finished, and open a second one.
    const c = client(pairingFor(b.port), { backoff: { baseMs: 150, maxMs: 1000, factor: 2, jitter: 0 } });
    const got: string[] = [];
    c.onNotification("card.changed", (n) => got.push(n.event));
    c.start();
    await waitFor(c, "connected");
    await new Promise((r) => setTimeout(r, 50)); // settled
    c.reconnectNow();
    await waitFor(c, "connected");
    await new Promise((r) => setTimeout(r, 400)); // past that retry
    expect(b.conns.filter((x) => x.authenticated)).toHaveLength(2); // it did reconnect
    const open = b.conns.filter((x) => x.authenticated && x.ws.readyState === 1);
    expect(open).toHaveLength(1);
    expect(c.state.kind).toBe("connected");
    b.notify("card.changed", { event: "removed", reader: "R", state: CARD_STATE });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(["removed"]);
  });

  it("stop() while the pairing is being read: stays idle and connects nowhere", async () => {
    const b = await startBridge({ secret: testSecret(), pairedOrigins: [ORIGIN] });
    let release: (p: Pairing) => void = () => undefined;
    const c = client(null, { loadPairing: () => new Promise<Pairing>((r) => (release = r)) });
    c.start();
    await waitFor(c, "connecting");
    c.stop();
    release(pairingFor(b.port));
    await new Promise((r) => setTimeout(r, 200));
    expect(c.state.kind).toBe("idle");
    expect(b.connectionAttempts).toBe(0);
  });

  it("stop() while the bridge is answering hello: the handshake is dropped, never ends connected", async () => {
    const b = await startBridge({ secret: testSecret(), pairedOrigins: [ORIGIN] });
    let c: BridgeClient | null = null;
    let stoppedAtAnswer = false;
    const base = nodeSocketFactory(ORIGIN);
    // The socket the client uses: once it has sent hello, the bridge's next message (its answer)
    // reaches the client only after stop(). (A timer after the send raced the answer: on a fast or
    // a loaded machine the answer could be handled first, and the client went on to authenticate.)
    c = client(pairingFor(b.port), {
      createSocket: (url) => {
        const ws = base(url);
        const send = ws.send.bind(ws);
        let helloSent = false;
        ws.send = (data: string) => {
          send(data);
          if (data.includes("session.hello")) helloSent = true;
        };
        let handler: WebSocketLike["onmessage"] = null;
        Object.defineProperty(ws, "onmessage", {
          configurable: true,
          get: () => handler,
          set: (h: WebSocketLike["onmessage"]) => {
            handler = h;
          },
        });
        (ws as unknown as { on(event: "message", fn: (data: unknown) => void): void }).on("message", (data) => {
          if (helloSent && c!.state.kind !== "idle") {
            stoppedAtAnswer = true;
            c!.stop();
          }
          handler?.({ data: String(data) });
        });
        return ws;
      },
    });
    const states: string[] = [];
    c.onState((s) => states.push(s.kind));
    c.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(stoppedAtAnswer).toBe(true);
    expect(c.state.kind).toBe("idle");
    expect(states).not.toContain("connected");
    expect(b.calls).not.toContain("session.authenticate");
    expect(b.conns.every((x) => x.ws.readyState !== 1)).toBe(true);
  });
});

describe("pairing", () => {
  it("pairs with the typed code: the secret arrives sealed and then authenticates", async () => {
    const secret = testSecret(3);
    const b = await startBridge({ secret, pairingCode: "K7QF-2MXD", pairedOrigins: [] });
    const c = client(null);
    const p = await c.pairWithCode("k7qf 2mxd", b.port);
    expect(p.secret).toBe(bytesToBase64(secret));
    expect(p.port).toBe(b.port);
    expect(p.via).toBe("code");
    (c as unknown as { setPairing(x: Pairing): void }).setPairing(p);
    c.reconnectNow();
    await waitFor(c, "connected");
  });

  it("refuses a wrong code without learning anything", async () => {
    const b = await startBridge({ secret: testSecret(3), pairingCode: "K7QF2MXD", pairedOrigins: [] });
    const c = client(null);
    await expect(c.pairWithCode("AAAA-BBBB", b.port)).rejects.toMatchObject({ code: "PAIRING_FAILED" });
  });

  it("a per-launch credential (the native host's hand-over) is named in session.hello and proved like the secret", async () => {
    const credential = testSecret(7);
    const launchCredentials = new Map([["AAAAAAAAAAAAAAAAAAAAAA", credential]]);
    const b = await startBridge({ secret: testSecret(), pairedOrigins: [], launchCredentials });
    const launch = (launchId: string): Pairing => ({
      port: b.port,
      secret: bytesToBase64(credential),
      pairedAt: "x",
      via: "launch",
      launchId,
    });
    const c = client(launch("AAAAAAAAAAAAAAAAAAAAAA"));
    c.start();
    await waitFor(c, "connected");
    expect(b.conns.at(-1)!.launch).toBe("AAAAAAAAAAAAAAAAAAAAAA");
    // A credential the bridge no longer holds: "unpaired", never a withdrawal of anything stored.
    launchCredentials.clear();
    b.dropAll();
    expect(await waitFor(c, "unpaired")).toMatchObject({ kind: "unpaired", bridgeReachable: true, revoked: false });
  });
});
