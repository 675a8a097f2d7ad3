/**
 * Two-way authentication and code pairing against an in-process bridge on a real socket, with a
 * real WebSocket client doing what the extension does. Services are in-memory fakes: the server
 * is the component under test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { startBridge, type RunningBridge } from "../../bridge/app/bridge-app.ts";
import { defaultConfig } from "../../bridge/config/config.ts";
import { fakeServices } from "../harness/fake-services.ts";
import { silentLogger } from "../../bridge/log/logger.ts";
import { ControlClient } from "../../bridge/server/control-client.ts";
import type { ControlEvent } from "../../bridge/server/control-protocol.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { bridgeProof, bytesToBase64, clientProof, openSecret, pairingProof, randomNonce, sameProof } from "../../shared/protocol/proofs.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import { PRE_AUTH_METHODS, Methods } from "../../shared/protocol/schemas.ts";
import { missingComponents } from "../harness/require-component.ts";
import { openClient, tempDataDir, TEST_ORIGIN } from "../harness/bridge-process.ts";

const skip = missingComponents("server-auth", []);
const NEW_ORIGIN = "moz-extension://7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6";

describe.skipIf(skip)("session: handshake and two-way authentication", () => {
  let b: RunningBridge;
  let services: ReturnType<typeof fakeServices>;
  let secret: Uint8Array<ArrayBuffer>;
  beforeAll(async () => {
    services = fakeServices();
    b = await startBridge({ dataDir: tempDataDir(), config: { ...defaultConfig(), port: 0 }, services, log: silentLogger });
    b.ctx.pairing.addOrigin(TEST_ORIGIN, "native-messaging");
    secret = b.ctx.pairing.secret();
  });
  afterAll(async () => {
    await b?.stop();
  });

  it("hello answers the version, capabilities, demo flag and a proof the client verifies", async () => {
    const c = await openClient(b.port);
    const clientNonce = randomNonce();
    // An extension from before protocol 2 (v1 proofs, not bound to the port) is still served.
    const hello = await c.call("session.hello", { protocolVersion: 1, clientNonce, client: "test" });
    expect(hello).toMatchObject({ protocolVersion: 1, demo: false, paired: true });
    expect(hello.capabilities).toContain("directory.search");
    expect(hello.capabilities).toContain("notify:card.changed");
    expect(sameProof(hello.bridgeProof, await bridgeProof(secret, clientNonce, hello.bridgeNonce, TEST_ORIGIN))).toBe(true);
    // A squatter without the secret cannot produce it: a proof under another secret differs.
    expect(hello.bridgeProof).not.toBe(await bridgeProof(new Uint8Array(32), clientNonce, hello.bridgeNonce, TEST_ORIGIN));
    c.close();
  });

  it("a newer client is answered with the version both speak; an older unsupported one is refused", async () => {
    const c = await openClient(b.port);
    expect((await c.call("session.hello", { protocolVersion: 7, clientNonce: randomNonce() })).protocolVersion).toBe(PROTOCOL_VERSION);
    c.close();
    const d = await openClient(b.port);
    await expect(d.call("session.hello", { protocolVersion: 0, clientNonce: randomNonce() })).rejects.toMatchObject({
      code: ErrorCode.INVALID_PARAMS,
    });
    d.close();
  });

  it("only the pre-auth methods answer before authentication", async () => {
    const c = await openClient(b.port);
    for (const m of Object.keys(Methods)) {
      if (PRE_AUTH_METHODS.includes(m as never)) continue;
      await expect(c.call(m, {}), m).rejects.toMatchObject({ code: ErrorCode.NOT_AUTHENTICATED });
    }
    expect(services.directory.lastQuery).toBeNull();
    c.close();
  });

  it("authenticates both ways, then routes to the services", async () => {
    const c = await openClient(b.port);
    await c.authenticate(secret);
    expect((await c.call("card.getIdentity")).surname).toBe("DUPONT");
    expect((await c.call("directory.search", { query: "dupont" })).results).toHaveLength(1);
    expect((await c.call("trust.check", { address: "a@test.mssante.fr" })).verdict).toBe("trusted");
    expect((await c.call("bridge.status")).demo).toBe(false);
    await expect(c.call("session.hello", { protocolVersion: 1, clientNonce: randomNonce() })).rejects.toMatchObject({
      code: ErrorCode.INVALID_REQUEST,
    });
    c.close();
  });

  it("a proof replayed on another connection is refused", async () => {
    const a = await openClient(b.port);
    const cn = randomNonce();
    const hello = await a.call("session.hello", { protocolVersion: 1, clientNonce: cn });
    const proof = await clientProof(secret, cn, hello.bridgeNonce, TEST_ORIGIN);
    await a.call("session.authenticate", { clientProof: proof });
    a.close();
    // The attacker saw everything a sent and replays it on a fresh connection.
    const x = await openClient(b.port);
    await x.call("session.hello", { protocolVersion: 1, clientNonce: cn });
    await expect(x.call("session.authenticate", { clientProof: proof })).rejects.toMatchObject({ code: ErrorCode.AUTHENTICATION_FAILED });
    // …and the same proof twice on one connection: nonces are spent after one attempt.
    await expect(x.call("session.authenticate", { clientProof: proof })).rejects.toMatchObject({ code: ErrorCode.AUTHENTICATION_FAILED });
    x.close();
    b.ctx.authBackoff.succeed(TEST_ORIGIN);
  });

  it("wrong proofs are refused, rate-limited per origin, and close the connection after 3", async () => {
    const c = await openClient(b.port);
    const wrong = "0".repeat(64);
    await c.call("session.hello", { protocolVersion: 1, clientNonce: randomNonce() });
    await expect(c.call("session.authenticate", { clientProof: wrong })).rejects.toMatchObject({ code: ErrorCode.AUTHENTICATION_FAILED });
    // Straight after a failure the origin must wait.
    await c.call("session.hello", { protocolVersion: 1, clientNonce: randomNonce() });
    const limited = await c.call("session.authenticate", { clientProof: wrong }).catch((e) => e);
    expect(limited.code).toBe(ErrorCode.RATE_LIMITED);
    expect(limited.data.retryAfterMs).toBeGreaterThan(0);
    // Even the right proof from another connection of that origin waits.
    const d = await openClient(b.port);
    const cn = randomNonce();
    const h = await d.call("session.hello", { protocolVersion: 1, clientNonce: cn });
    await expect(
      d.call("session.authenticate", { clientProof: await clientProof(secret, cn, h.bridgeNonce, TEST_ORIGIN) }),
    ).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    d.close();
    // Three wrong proofs on one connection close it.
    for (let i = 0; i < 2; i++) {
      b.ctx.authBackoff.succeed(TEST_ORIGIN); // skip the wait, not the count
      await c.call("session.hello", { protocolVersion: 1, clientNonce: randomNonce() });
      await c.call("session.authenticate", { clientProof: wrong }).catch(() => {});
    }
    expect((await c.closed).code).toBe(1008);
    b.ctx.authBackoff.succeed(TEST_ORIGIN);
    const audit = readFileSync(path.join(b.dataDir, "audit.log"), "utf8");
    expect(audit).toContain('"AUTHENTICATION_FAILED"');
  });

  it("notifications reach authenticated connections only", async () => {
    const authed = await openClient(b.port);
    await authed.authenticate(secret);
    const anon = await openClient(b.port);
    await anon.call("session.hello", { protocolVersion: 1, clientNonce: randomNonce() });
    services.card.emitChanged("removed");
    await authed.call("card.getState");
    await anon.call("session.hello", { protocolVersion: 1, clientNonce: randomNonce() });
    expect(authed.notifications.map((n) => n.method)).toContain("card.changed");
    expect(authed.notifications[0]!.params.event).toBe("removed");
    expect(anon.notifications).toHaveLength(0);
    // directory.import progress arrives as notifications too
    await authed.call("directory.import");
    await new Promise((r) => setTimeout(r, 50));
    expect(authed.notifications.filter((n) => n.method === "directory.importProgress").map((n) => n.params.phase)).toEqual([
      "parse",
      "done",
    ]);
    authed.close();
    anon.close();
  });

  it("the audit log holds no secret, nonce or proof", () => {
    const audit = readFileSync(path.join(b.dataDir, "audit.log"), "utf8");
    expect(audit).not.toContain(bytesToBase64(secret));
    expect(audit).not.toMatch(/[0-9a-f]{64}/);
    expect(audit).not.toContain("dupont");
    for (const line of audit.trim().split("\n"))
      expect(Object.keys(JSON.parse(line)).sort()).toEqual(["operation", "origin", "result", "time"]);
  });
});

describe.skipIf(skip)("pairing with a typed code", () => {
  let b: RunningBridge;
  beforeAll(async () => {
    b = await startBridge({ dataDir: tempDataDir(), config: { ...defaultConfig(), port: 0 }, services: fakeServices(), log: silentLogger });
    b.ctx.pairing.addOrigin(TEST_ORIGIN, "native-messaging"); // another extension is already paired
  });
  afterAll(async () => {
    await b?.stop();
  });

  async function openWindow(): Promise<{ code: string; ended: Promise<ControlEvent>; control: ControlClient }> {
    const control = await ControlClient.connect(b.dataDir);
    const ended = new Promise<ControlEvent>((r) => control.onEvent(r));
    const { code } = await control.request<{ code: string }>({ cmd: "pair.open" });
    return { code, ended, control };
  }

  it("refuses pairing.begin when no code is shown", async () => {
    const c = await openClient(b.port);
    await expect(c.call("pairing.begin")).rejects.toMatchObject({ code: ErrorCode.PAIRING_FAILED });
    c.close();
  });

  it("pairs a new extension that proves the code, which then authenticates both ways", async () => {
    const { code, ended, control } = await openWindow();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const c = await openClient(b.port, NEW_ORIGIN);
    const { pairingNonce } = await c.call("pairing.begin");
    const clientNonce = randomNonce();
    const typed = code.toLowerCase().replace("-", " "); // as a person might type it
    const r = await c.call("pairing.complete", { clientNonce, proof: await pairingProof(typed, pairingNonce, clientNonce, NEW_ORIGIN) });
    expect(r.port).toBe(b.port);
    const secret = await openSecret(r.sealedSecret, typed, pairingNonce, clientNonce);
    expect(bytesToBase64(secret)).toBe(b.ctx.pairing.secretBase64());
    expect(await ended).toEqual({ event: "pairing.ended", how: "paired", origin: NEW_ORIGIN });
    control.close();
    // The same connection now authenticates with the secret it received.
    await c.authenticate(secret);
    expect((await c.call("card.getPinStatus")).state).toBe("ok");
    c.close();
    expect(b.ctx.pairing.isPaired(NEW_ORIGIN)).toBe(true);
    expect(b.ctx.pairingWindow.isOpen()).toBe(false);
  });

  it("a wrong code is refused; five wrong tries void the code", async () => {
    const { code, ended, control } = await openWindow();
    const other = "moz-extension://11111111-2222-4333-8444-555555555555";
    const c = await openClient(b.port, other);
    for (let i = 0; i < 5; i++) {
      const { pairingNonce } = await c.call("pairing.begin");
      const cn = randomNonce();
      const e = await c
        .call("pairing.complete", { clientNonce: cn, proof: await pairingProof("AAAA-AAAA", pairingNonce, cn, other) })
        .catch((x) => x);
      expect(e.code).toBe(ErrorCode.PAIRING_FAILED);
      expect(e.data.attemptsLeft).toBe(4 - i);
    }
    expect((await ended).how).toBe("too-many-attempts");
    // Even the right code is useless now.
    await expect(c.call("pairing.begin")).rejects.toMatchObject({ code: ErrorCode.PAIRING_FAILED });
    expect(code).toBeTruthy();
    expect(b.ctx.pairing.isPaired(other)).toBe(false);
    control.close();
    c.close();
  });

  it("a proof of the code made for another origin is refused", async () => {
    const { code, control } = await openWindow();
    const other = "moz-extension://21111111-2222-4333-8444-555555555555";
    const c = await openClient(b.port, other);
    const { pairingNonce } = await c.call("pairing.begin");
    const cn = randomNonce();
    await expect(
      c.call("pairing.complete", { clientNonce: cn, proof: await pairingProof(code, pairingNonce, cn, NEW_ORIGIN) }),
    ).rejects.toMatchObject({ code: ErrorCode.PAIRING_FAILED });
    control.close();
    c.close();
    b.ctx.pairingWindow.cancel();
  });
});
