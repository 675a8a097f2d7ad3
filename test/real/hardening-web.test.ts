/**
 * Hardening against web pages, DNS rebinding, unauthenticated peers, replayed and wrong proofs, and
 * a port squatter, all against a REAL `mss-bridge start` process (docs/domain/threat-model.md):
 * - forbidden Origins and Hosts are refused with HTTP 403 before any WebSocket exists, and none of
 *   them reaches a method (the audit log holds one refusal per attempt and no method call);
 * - only the handshake and pairing methods answer before the two-way challenge;
 * - a proof from an earlier connection is refused, wrong proofs are refused and rate-limited;
 * - the extension's own client (extension/background/bridge-client.ts) detects a fake bridge on the
 *   port and sends it nothing, not even its proof.
 */
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { WS_PATH } from "../../shared/constants.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { Methods, PRE_AUTH_METHODS, type MethodName } from "../../shared/protocol/schemas.ts";
import { bridgeProof, bytesToBase64, clientProof, randomNonce } from "../../shared/protocol/proofs.ts";
import { BridgeClient, type BridgeState } from "../../extension/background/bridge-client.ts";
import type { WebSocketLike } from "../../extension/background/rpc-connection.ts";
import { missingComponents } from "../harness/require-component.ts";
import { openClient, upgradeStatus } from "../harness/bridge-process.ts";
import { ORIGINS, secretForms, startHardenedBridge, type HardenedBridge } from "../hardening/hardened-bridge.ts";

const skip = missingComponents("hardening-web", []);

const socketFactory = (origin: string) => (url: string) => new WebSocket(url, { origin }) as unknown as WebSocketLike;

function waitState(c: BridgeClient, kinds: BridgeState["kind"][], ms = 10_000): Promise<BridgeState> {
  return new Promise((resolve, reject) => {
    if (kinds.includes(c.state.kind)) return resolve(c.state);
    const t = setTimeout(() => reject(new Error(`state stayed ${c.state.kind}`)), ms);
    const off = c.onState((s) => {
      if (kinds.includes(s.kind)) {
        clearTimeout(t);
        off();
        resolve(s);
      }
    });
  });
}

const auditLines = (b: HardenedBridge) =>
  b
    .auditLog()
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { operation: string; origin: string; result: string });

describe.skipIf(skip)("hardening: web origins, hosts, authentication (real bridge process)", () => {
  let b: HardenedBridge;
  let secret: Uint8Array<ArrayBuffer>;
  beforeAll(async () => {
    b = await startHardenedBridge();
    secret = await b.pair(ORIGINS.post);
    await b.pair(ORIGINS.other);
  });
  afterAll(async () => {
    const code = await b?.stop();
    expect(code).toBe(0);
  });

  it("a paired extension origin with a loopback Host is upgraded (control)", async () => {
    expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: ORIGINS.post })).toBe(101);
    expect(await upgradeStatus(b.port, { Host: `localhost:${b.port}`, Origin: ORIGINS.post })).toBe(101);
  });

  it("refuses web and unpaired origins and foreign hosts with 403 before the upgrade, reaching no method", async () => {
    const before = auditLines(b).length;
    const badOrigins = [
      "https://evil.example",
      "http://localhost",
      `http://127.0.0.1:${b.port}`,
      "null",
      undefined,
      ORIGINS.unpaired,
      "moz-extension://AAAAAAAA-0000-4000-8000-000000000002",
      `${ORIGINS.post}/`,
      `${ORIGINS.post}.evil.example`,
    ];
    for (const origin of badOrigins) {
      expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: origin }), `Origin ${origin}`).toBe(403);
    }
    const badHosts = [
      "evil.example",
      `evil.example:${b.port}`,
      `127.0.0.1.nip.io:${b.port}`,
      `127.0.0.1:${b.port + 1}`,
      `localhost:${b.port === 65535 ? 1 : b.port + 1}`,
      "127.0.0.1",
      `0.0.0.0:${b.port}`,
      `[::ffff:127.0.0.1]:${b.port}`,
      `127.1:${b.port}`,
      `2130706433:${b.port}`,
      undefined,
    ];
    for (const host of badHosts) {
      expect(await upgradeStatus(b.port, { Host: host, Origin: ORIGINS.post }), `Host ${host}`).toBe(403);
    }
    // The WebSocket client sees the refusal as an HTTP error, never an open socket.
    await expect(openClient(b.port, "https://evil.example")).rejects.toMatchObject({ status: 403 });
    await expect(openClient(b.port, ORIGINS.post, { host: `evil.example:${b.port}` })).rejects.toMatchObject({ status: 403 });

    const after = auditLines(b).slice(before);
    const refusals = after.filter((l) => l.operation === "upgrade" && /^refused-/.test(l.result));
    // One line per reason and origin a minute (the repeats are counted, written when the minute ends).
    const keys = refusals.map((l) => `${l.result} ${l.origin}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.startsWith("refused-origin ")).length).toBe(badOrigins.length);
    expect(keys.filter((k) => k.startsWith("refused-host ")).length).toBe(1);
    // Nothing else happened in between: no method, no handshake.
    expect(after.filter((l) => l.operation !== "upgrade")).toEqual([]);
    expect(b.alive()).toBe(true);
  });

  it("does not listen on any non-loopback address", async () => {
    const addrs = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === "IPv4")
      .map((a) => a!.address);
    for (const host of addrs) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host, port: b.port });
        s.once("connect", () => {
          s.destroy();
          resolve(true);
        });
        s.once("error", () => resolve(false));
      });
      expect(ok, host).toBe(false);
    }
  });

  it("before the two-way challenge only the pre-auth methods answer", async () => {
    expect([...PRE_AUTH_METHODS].sort()).toEqual(["pairing.begin", "pairing.complete", "session.authenticate", "session.hello"]);
    const c = await openClient(b.port, ORIGINS.post);
    for (const m of Object.keys(Methods) as MethodName[]) {
      if (Methods[m].preAuth) continue;
      await expect(c.call(m, {}), m).rejects.toMatchObject({ code: ErrorCode.NOT_AUTHENTICATED });
    }
    // Even after a hello (the bridge proved itself, the client did not): still nothing.
    await c.call("session.hello", { protocolVersion: 1, clientNonce: randomNonce() });
    await expect(c.call("card.getIdentity")).rejects.toMatchObject({ code: ErrorCode.NOT_AUTHENTICATED });
    await expect(c.call("directory.search", { query: "martin" })).rejects.toMatchObject({ code: ErrorCode.NOT_AUTHENTICATED });
    // The pre-auth methods do answer (with their own errors when out of order).
    await expect(c.call("pairing.begin")).rejects.toMatchObject({ code: ErrorCode.PAIRING_FAILED });
    c.close();
  });

  it("a proof replayed from an earlier connection is refused", async () => {
    // Connection 1 authenticates; an eavesdropper keeps its nonces and proof.
    const c1 = await openClient(b.port, ORIGINS.post);
    const clientNonce = randomNonce();
    const h1 = await c1.call("session.hello", { protocolVersion: 1, clientNonce });
    const proof1 = await clientProof(secret, clientNonce, h1.bridgeNonce, ORIGINS.post);
    expect(await c1.call("session.authenticate", { clientProof: proof1 })).toEqual({ authenticated: true });
    // Connection 2: same client nonce, replayed proof → the bridge's fresh nonce makes it useless.
    const c2 = await openClient(b.port, ORIGINS.post);
    const h2 = await c2.call("session.hello", { protocolVersion: 1, clientNonce });
    expect(h2.bridgeNonce).not.toBe(h1.bridgeNonce);
    await expect(c2.call("session.authenticate", { clientProof: proof1 })).rejects.toMatchObject({ code: ErrorCode.AUTHENTICATION_FAILED });
    await expect(c2.call("card.getState")).rejects.toMatchObject({ code: ErrorCode.NOT_AUTHENTICATED });
    // Replay on the same connection after a second hello: the nonces of a hello are spent once.
    await expect(c1.call("session.authenticate", { clientProof: proof1 })).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    // A proof made for another paired origin is refused too (origin binding).
    const c3 = await openClient(b.port, ORIGINS.other);
    const n3 = randomNonce();
    const h3 = await c3.call("session.hello", { protocolVersion: 1, clientNonce: n3 });
    await expect(
      c3.call("session.authenticate", { clientProof: await clientProof(secret, n3, h3.bridgeNonce, ORIGINS.post) }),
    ).rejects.toMatchObject({
      code: ErrorCode.AUTHENTICATION_FAILED,
    });
    for (const c of [c1, c2, c3]) c.close();
  });

  it("wrong proofs are refused, then rate-limited even when right, and close the connection", async () => {
    // A fresh origin so the backoff left by the tests above does not count.
    const origin = "moz-extension://cccccccc-0000-4000-8000-00000000000c";
    const s = await b.pair(origin);
    const c = await openClient(b.port, origin);
    const hello = () => c.call("session.hello", { protocolVersion: 1, clientNonce: randomNonce() });
    await hello();
    await expect(c.call("session.authenticate", { clientProof: "f".repeat(64) })).rejects.toMatchObject({
      code: ErrorCode.AUTHENTICATION_FAILED,
    });
    // Backoff: the next attempt, even with the right proof, is not looked at.
    const n = randomNonce();
    const h = await c.call("session.hello", { protocolVersion: 1, clientNonce: n });
    const right = await clientProof(s, n, h.bridgeNonce, origin);
    const limited = await c.call("session.authenticate", { clientProof: right }).catch((e) => e);
    expect(limited).toMatchObject({ code: ErrorCode.RATE_LIMITED });
    expect(limited.data.retryAfterMs).toBeGreaterThan(0);
    // After the wait, two more wrong proofs close the connection (3 per connection).
    await new Promise((r) => setTimeout(r, limited.data.retryAfterMs + 50));
    await expect(c.call("session.authenticate", { clientProof: "e".repeat(64) })).rejects.toMatchObject({
      code: ErrorCode.AUTHENTICATION_FAILED,
    });
    await new Promise((r) => setTimeout(r, 2100));
    await hello();
    await expect(c.call("session.authenticate", { clientProof: "d".repeat(64) })).rejects.toMatchObject({
      code: ErrorCode.AUTHENTICATION_FAILED,
    });
    expect((await c.closed).code).toBe(1008);
    // The backoff is per origin: the paired extension is not locked out meanwhile.
    const ok = await openClient(b.port, ORIGINS.post);
    await ok.authenticate(secret);
    expect((await ok.call("bridge.status")).bridgeVersion).toEqual(expect.any(String));
    ok.close();
    expect(auditLines(b).filter((l) => l.origin === origin && l.result === "AUTHENTICATION_FAILED").length).toBe(3);
  }, 30_000);

  it("a burst over the rate limit: every request gets exactly one answer carrying its own id", async () => {
    // Found by the load benchmark: a RATE_LIMITED answer had id null, so the extension could not tell
    // which request it refused, and that request waited for its timeout instead.
    const c = await openClient(b.port, ORIGINS.post);
    await c.authenticate(secret);
    const answers: any[] = [];
    c.ws.on("message", (d) => {
      const m = JSON.parse(d.toString());
      if (m.id !== undefined) answers.push(m);
    });
    const n = 60; // over the burst of 50 a second, under the 50 strikes that close the connection
    for (let i = 1; i <= n; i++) c.ws.send(JSON.stringify({ jsonrpc: "2.0", id: `burst-${i}`, method: "bridge.status", params: {} }));
    const end = Date.now() + 5000;
    while (answers.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const limited = answers.filter((a) => a.error?.code === ErrorCode.RATE_LIMITED);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.id === null)).toEqual([]);
    expect(answers.map((a) => a.id).sort()).toEqual(Array.from({ length: n }, (_, i) => `burst-${i + 1}`).sort());
    c.close();
  });

  it("the extension's client connects to the real bridge (control)", async () => {
    const client = new BridgeClient({
      origin: ORIGINS.post,
      createSocket: socketFactory(ORIGINS.post),
      loadPairing: async () => ({ port: b.port, secret: bytesToBase64(secret), pairedAt: new Date().toISOString(), via: "native" }),
    });
    client.start();
    try {
      expect((await waitState(client, ["connected", "not-the-bridge", "unpaired", "down"])).kind).toBe("connected");
      expect((await client.call("bridge.status", {})).bridgeVersion).toEqual(expect.any(String));
    } finally {
      client.stop();
    }
  });

  describe("a fake bridge squatting the port", () => {
    let fake: WebSocketServer;
    let fakePort = 0;
    const received: string[] = [];
    let mode: "random-proof" | "replayed-hello" | "no-proof" = "random-proof";
    let recorded: any = null;
    beforeAll(async () => {
      // A real hello answer captured from the real bridge (what a squatter could record).
      const c = await openClient(b.port, ORIGINS.post);
      recorded = await c.call("session.hello", { protocolVersion: 2, clientNonce: randomNonce() });
      c.close();
      fake = new WebSocketServer({ host: "127.0.0.1", port: 0, path: WS_PATH });
      await new Promise((r) => fake.once("listening", r));
      fakePort = (fake.address() as net.AddressInfo).port;
      fake.on("connection", (ws) => {
        ws.on("message", (data) => {
          const req = JSON.parse(data.toString());
          received.push(req.method);
          if (req.method !== "session.hello")
            return ws.send(JSON.stringify({ jsonrpc: "2.0", id: req.id, result: { authenticated: true } }));
          const result =
            mode === "replayed-hello"
              ? recorded
              : {
                  protocolVersion: 2,
                  bridgeVersion: "0.1.0",
                  capabilities: Object.keys(Methods),
                  demo: false,
                  paired: true,
                  bridgeNonce: randomNonce(),
                  bridgeProof: mode === "no-proof" ? null : randomBytes(32).toString("hex"),
                };
          ws.send(JSON.stringify({ jsonrpc: "2.0", id: req.id, result }));
        });
      });
    });
    afterAll(async () => {
      await new Promise((r) => fake?.close(r));
    });

    for (const m of ["random-proof", "replayed-hello", "no-proof"] as const) {
      it(`is detected by the extension's client (${m}) and gets nothing but the hello`, async () => {
        mode = m;
        received.length = 0;
        const client = new BridgeClient({
          origin: ORIGINS.post,
          createSocket: socketFactory(ORIGINS.post),
          loadPairing: async () => ({ port: fakePort, secret: bytesToBase64(secret), pairedAt: new Date().toISOString(), via: "native" }),
          backoff: { baseMs: 60_000, maxMs: 60_000, factor: 2, jitter: 0 } as any,
        });
        client.start();
        try {
          const s = await waitState(client, ["connected", "not-the-bridge", "unpaired", "down"]);
          // With no proof the peer claims "paired" but proves nothing: not the bridge either way.
          expect(s.kind).toBe("not-the-bridge");
          expect(received).toEqual(["session.hello"]);
          await expect(client.call("directory.search", { query: "x" })).rejects.toThrow();
        } finally {
          client.stop();
        }
      });
    }

    it("a proof computed by the real bridge for another connection does not fool the client", async () => {
      // The recorded proof is genuine, but for the recorder's nonce: the client's fresh nonce makes it wrong.
      const again = await bridgeProof(secret, randomNonce(), recorded.bridgeNonce, ORIGINS.post);
      expect(again).not.toBe(recorded.bridgeProof);
    });
  });

  it("leaves no secret in its outputs, logs or audit log", () => {
    const text = b.stdout() + b.stderr() + b.writtenText();
    for (const f of secretForms(secret)) expect(text).not.toContain(f);
    expect(b.alive()).toBe(true);
  });
});

describe.skipIf(skip)("hardening: a flood of refused upgrades (real bridge process)", () => {
  let b: HardenedBridge;
  beforeAll(async () => {
    b = await startHardenedBridge();
    await b.pair(ORIGINS.post);
  });
  afterAll(async () => {
    expect(await b?.stop()).toBe(0);
  });

  it("does not grow the audit log and the log without bound, and is still recorded", async () => {
    // Any page in a browser (throttled only by the browser) or any local user can make refused
    // upgrades: ~3,000 a second over loopback. Unauthenticated noise must cost the doctor's disk
    // a bounded amount, whatever its rate (found: ~116 bytes of audit and ~150 bytes of log each).
    const { statSync } = await import("node:fs");
    const auditSize = () => statSync(`${b.dataDir}/audit.log`).size;
    const a0 = auditSize();
    const e0 = b.stderr().length + b.stdout().length;
    const agent = new http.Agent({ keepAlive: false, maxSockets: 16 });
    const refused = () =>
      new Promise<number>((resolve) => {
        const r = http.request({
          host: "127.0.0.1",
          port: b.port,
          path: WS_PATH,
          agent,
          headers: {
            Connection: "Upgrade",
            Upgrade: "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
            Origin: "https://evil.example",
          },
        });
        r.on("response", (x) => {
          x.resume();
          x.on("end", () => resolve(x.statusCode ?? 0));
        });
        r.on("error", () => resolve(0));
        r.end();
      });
    const N = 6000;
    let i = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (i++ < N) statuses.push(await refused());
      }),
    );
    agent.destroy();
    expect(statuses.every((s) => s === 403)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const auditGrowth = auditSize() - a0;
    const logGrowth = b.stderr().length + b.stdout().length - e0;
    console.log(`${N} refused upgrades: audit log +${auditGrowth} bytes, log +${logGrowth} bytes`);
    expect(auditGrowth).toBeGreaterThan(0); // still recorded (e.g. aggregated with a count)
    expect(auditGrowth, "audit log growth").toBeLessThan(64 * 1024);
    expect(logGrowth, "log growth").toBeLessThan(64 * 1024);
    // And the paired extension is not locked out by the flood.
    const c = await openClient(b.port, ORIGINS.post);
    c.close();
  }, 60_000);
});

describe.skipIf(skip)("hardening: slow and oversized HTTP clients (real bridge process)", () => {
  let b: HardenedBridge;
  let secret: Uint8Array<ArrayBuffer>;
  beforeAll(async () => {
    b = await startHardenedBridge();
    secret = await b.pair(ORIGINS.post);
  });
  afterAll(async () => {
    expect(await b?.stop()).toBe(0);
  });

  it("60 connections that never finish their request do not keep the extension out, and are closed by the bridge", async () => {
    // Half-open sockets, held by any local process, must not keep the extension out: the bridge
    // drops the oldest past 32 of them (security audit, finding 3) and each after 5 s, so that
    // timeout must really be seconds. Found: Node checks it only every 30 s by default
    // (http.Server connectionsCheckingInterval), so they stayed ~28 s instead of 5.
    const sockets: net.Socket[] = [];
    const closedAt: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 60; i++) {
      const s = net.connect({ host: "127.0.0.1", port: b.port });
      s.on("error", () => {});
      s.on("close", () => closedAt.push(Date.now() - t0));
      s.write(`GET ${WS_PATH} HTTP/1.1\r\nHost: 127.0.0.1:${b.port}\r\nUpgrade: websocket\r\n`); // never ends
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 300));
    const c = await openClient(b.port, ORIGINS.post);
    await c.authenticate(secret);
    expect((await c.call("bridge.status")).bridgeVersion).toEqual(expect.any(String));
    c.close();
    // The bridge drops them on its own (header timeout), none stays open for long.
    const end = Date.now() + 45_000;
    while (closedAt.length < sockets.length && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    for (const s of sockets) s.destroy();
    console.log(`half-open connections closed by the bridge after ${Math.min(...closedAt)}–${Math.max(...closedAt)} ms`);
    expect(closedAt.length).toBe(60);
    expect(Math.max(...closedAt), "half-open connections closed within ~the 5 s header timeout").toBeLessThan(8_000);
    expect(b.alive()).toBe(true);
  }, 60_000);

  it("oversized headers and malformed upgrade requests get an HTTP error, never a WebSocket", async () => {
    const huge = `moz-extension://${"a".repeat(100_000)}`;
    const s1 = await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: huge }).catch(() => 0);
    expect([0, 400, 403, 431]).toContain(s1);
    expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: ORIGINS.post, "Sec-WebSocket-Version": "99" })).not.toBe(101);
    expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: ORIGINS.post, "Sec-WebSocket-Key": "short" })).not.toBe(101);
    // Two Origin headers (a proxy adding one): refused.
    const raw = await new Promise<string>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port: b.port }, () =>
        s.write(
          `GET ${WS_PATH} HTTP/1.1\r\nHost: 127.0.0.1:${b.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nOrigin: https://evil.example\r\nOrigin: ${ORIGINS.post}\r\n\r\n`,
        ),
      );
      let got = "";
      s.on("data", (d) => (got += d.toString()));
      s.on("close", () => resolve(got));
      s.on("error", () => resolve(got));
      setTimeout(() => s.destroy(), 3000);
    });
    expect(raw.split("\r\n")[0]).not.toMatch(/ 101 /);
    // Plain HTTP gets nothing useful.
    const plain = await new Promise<number>((resolve) => {
      http
        .get({ host: "127.0.0.1", port: b.port, path: "/", headers: { Origin: "https://evil.example" } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on("error", () => resolve(0));
    });
    expect(plain).toBe(404);
    const c = await openClient(b.port, ORIGINS.post);
    await c.authenticate(secret);
    c.close();
    expect(b.alive()).toBe(true);
  });
});
