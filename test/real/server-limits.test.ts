/**
 * Hostile frames and floods against an in-process bridge on a real socket: each answered with a
 * typed error or the connection closed, and the bridge still answers afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBridge, type RunningBridge } from "../../bridge/app/bridge-app.ts";
import { defaultConfig } from "../../bridge/config/config.ts";
import { fakeServices } from "../harness/fake-services.ts";
import { silentLogger } from "../../bridge/log/logger.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { MAX_JSON_DEPTH, MAX_MESSAGE_BYTES } from "../../shared/protocol/jsonrpc.ts";
import { randomNonce } from "../../shared/protocol/proofs.ts";
import { missingComponents } from "../harness/require-component.ts";
import { openClient, tempDataDir, TEST_ORIGIN, type TestClient } from "../harness/bridge-process.ts";

const skip = missingComponents("server-limits", []);

describe.skipIf(skip)("limits and malformed input", () => {
  let b: RunningBridge;
  let services: ReturnType<typeof fakeServices>;
  beforeAll(async () => {
    services = fakeServices();
    const config = defaultConfig();
    config.port = 0;
    config.limits.requestsPerSecond = 20;
    config.limits.cardOperationTimeoutMs = 300;
    b = await startBridge({ dataDir: tempDataDir(), config, services, log: silentLogger, limits: { handshakeTimeoutMs: 1500 } });
    b.ctx.pairing.addOrigin(TEST_ORIGIN, "code");
  });
  afterAll(async () => {
    await b?.stop();
  });

  const stillServes = async () => {
    const c = await openClient(b.port);
    await c.authenticate(b.ctx.pairing.secret());
    expect((await c.call("directory.status")).count).toBe(1);
    c.close();
  };

  it("malformed JSON → PARSE_ERROR, connection kept", async () => {
    const c = await openClient(b.port);
    const r = await c.raw("{not json");
    expect(r).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: ErrorCode.PARSE_ERROR } });
    expect((await c.call("session.hello", { protocolVersion: 1, clientNonce: randomNonce() })).paired).toBe(true);
    c.close();
  });

  it("batches are refused with a typed error", async () => {
    const c = await openClient(b.port);
    const r = await c.raw(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "session.hello", params: {} }]));
    expect(r.error).toMatchObject({ code: ErrorCode.INVALID_REQUEST, data: { reason: "batch" } });
    c.close();
  });

  it("deep nesting is refused", async () => {
    const c = await openClient(b.port);
    let params: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH + 2; i++) params = { a: params };
    const r = await c.raw(JSON.stringify({ jsonrpc: "2.0", id: 5, method: "session.hello", params }));
    expect(r.error).toMatchObject({ code: ErrorCode.INVALID_REQUEST, data: { reason: "depth" } });
    // A very deep array inside the size limit: no crash, same answer.
    const r2 = await c.raw("[".repeat(5000) + "]".repeat(5000));
    expect(r2.error.code).toBe(ErrorCode.INVALID_REQUEST);
    c.close();
  });

  it("envelopes, unknown methods and bad params get typed errors that never echo the input", async () => {
    const c = await openClient(b.port);
    const marker = "ECHO-MARKER-42";
    const r1 = await c.raw(JSON.stringify({ jsonrpc: "2.0", id: 1, method: marker }));
    expect(r1.error.code).toBe(ErrorCode.METHOD_NOT_FOUND);
    const r2 = await c.raw(JSON.stringify({ jsonrpc: "1.0", id: 2, method: "session.hello", extra: marker }));
    expect(r2).toMatchObject({ id: 2, error: { code: ErrorCode.INVALID_REQUEST } });
    const r3 = await c.raw(
      JSON.stringify({ jsonrpc: "2.0", id: 3, method: "session.hello", params: { protocolVersion: 1, clientNonce: marker } }),
    );
    expect(r3.error.code).toBe(ErrorCode.INVALID_PARAMS);
    const r4 = await c.raw(JSON.stringify({ jsonrpc: "2.0", method: "session.hello", params: {} }));
    expect(r4.error.code).toBe(ErrorCode.INVALID_REQUEST);
    for (const r of [r1, r2, r3, r4]) expect(JSON.stringify(r)).not.toContain(marker);
    c.close();
  });

  it("a binary frame closes the connection (1003)", async () => {
    const c = await openClient(b.port);
    c.ws.send(Buffer.from([1, 2, 3]));
    expect((await c.closed).code).toBe(1003);
    await stillServes();
  });

  it("a frame over maxPayload closes the connection (1009)", async () => {
    const c = await openClient(b.port);
    c.ws.send("x".repeat(MAX_MESSAGE_BYTES + 1));
    expect((await c.closed).code).toBe(1009);
    await stillServes();
  });

  it("a flood is rate-limited, then the connection is closed", async () => {
    const c = await openClient(b.port);
    const answers: any[] = [];
    c.ws.on("message", (d) => answers.push(JSON.parse(d.toString())));
    for (let i = 0; i < 200 && c.ws.readyState === c.ws.OPEN; i++)
      c.ws.send(
        JSON.stringify({ jsonrpc: "2.0", id: i, method: "session.hello", params: { protocolVersion: 1, clientNonce: randomNonce() } }),
      );
    const closed = await c.closed;
    expect(closed.code).toBe(1008);
    expect(answers.some((a) => a.error?.code === ErrorCode.RATE_LIMITED)).toBe(true);
    expect(answers.filter((a) => a.result).length).toBeLessThanOrEqual(25);
    await stillServes();
  });

  it("an unauthenticated connection is closed after the handshake timeout", async () => {
    const c = await openClient(b.port);
    const t0 = Date.now();
    expect((await c.closed).code).toBe(1008);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });

  it("an authenticated connection is not closed by the handshake timeout", async () => {
    const c = await openClient(b.port);
    await c.authenticate(b.ctx.pairing.secret());
    await new Promise((r) => setTimeout(r, 1800));
    expect((await c.call("card.getState")).pcscAvailable).toBe(true);
    c.close();
  });

  it("card operations time out with TIMEOUT; too many in flight get BUSY", async () => {
    const c = await openClient(b.port);
    await c.authenticate(b.ctx.pairing.secret());
    // The token layer times out first (cardOperationTimeoutMs); the router's own timeout is a
    // backstop 5 s later, for a card service that never answers: this fake never does in time.
    services.card.identityDelayMs = 300 + 5000 + 1500;
    const calls = Array.from({ length: 10 }, () => c.call("card.getIdentity").catch((e) => e.code));
    const codes = await Promise.all(calls);
    services.card.identityDelayMs = 0;
    expect(codes.filter((x) => x === ErrorCode.TIMEOUT)).toHaveLength(8);
    expect(codes.filter((x) => x === ErrorCode.BUSY)).toHaveLength(2);
    expect((await c.call("card.getIdentity")).idNat).toBe("810001234567");
    c.close();
  });

  it("no method takes a path, a URL or a PIN", async () => {
    const c: TestClient = await openClient(b.port);
    await c.authenticate(b.ctx.pairing.secret());
    await expect(c.call("directory.import", { path: "/etc/passwd" })).rejects.toMatchObject({ code: ErrorCode.INVALID_PARAMS });
    await expect(c.call("card.installModuleManifest", { modulePath: "/tmp/evil.so" })).rejects.toMatchObject({
      code: ErrorCode.INVALID_PARAMS,
    });
    await expect(c.call("card.getPinStatus", { pin: "1234" })).rejects.toMatchObject({ code: ErrorCode.INVALID_PARAMS });
    c.close();
  });
});
