/**
 * Upgrade checks on a real socket: forbidden Origins and Hosts get HTTP 403 before any WebSocket
 * exists, the connection cap answers 503, and nothing refused ever reaches a method.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBridge, type RunningBridge } from "../../bridge/app/bridge-app.ts";
import { defaultConfig } from "../../bridge/config/config.ts";
import { fakeServices } from "../harness/fake-services.ts";
import { silentLogger } from "../../bridge/log/logger.ts";
import { WS_PATH } from "../../shared/constants.ts";
import { missingComponents } from "../harness/require-component.ts";
import { openClient, tempDataDir, TEST_ORIGIN, upgradeStatus } from "../harness/bridge-process.ts";
import { readFileSync } from "node:fs";
import path from "node:path";

const skip = missingComponents("server-upgrade", []);

describe.skipIf(skip)("WebSocket upgrade checks (real socket)", () => {
  let b: RunningBridge;
  const other = "moz-extension://9c7a4f2e-aaaa-bbbb-cccc-ddddeeeeffff";
  beforeAll(async () => {
    b = await startBridge({
      dataDir: tempDataDir(),
      config: { ...defaultConfig(), port: 0 },
      services: fakeServices(),
      log: silentLogger,
      limits: { maxConnections: 3 },
    });
    b.ctx.pairing.addOrigin(TEST_ORIGIN, "code");
  });
  afterAll(async () => {
    await b?.stop();
  });

  it("listens on loopback only, both 127.0.0.1 and ::1 when available", () => {
    expect(b.addresses[0]).toBe(`127.0.0.1:${b.port}`);
    for (const a of b.addresses) expect(a === `127.0.0.1:${b.port}` || a === `[::1]:${b.port}`).toBe(true);
  });

  it("upgrades a paired extension with a loopback Host", async () => {
    expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: TEST_ORIGIN })).toBe(101);
    expect(await upgradeStatus(b.port, { Host: `localhost:${b.port}`, Origin: TEST_ORIGIN })).toBe(101);
    if (b.addresses.length > 1)
      expect(await upgradeStatus(b.port, { Host: `[::1]:${b.port}`, Origin: TEST_ORIGIN }, WS_PATH, "::1")).toBe(101);
  });

  it("refuses forbidden Origins with 403 before upgrading", async () => {
    for (const origin of [
      "https://evil.example",
      "http://localhost",
      `http://127.0.0.1:${b.port}`,
      "null",
      undefined,
      other,
      "moz-extension://x",
    ]) {
      expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: origin }), String(origin)).toBe(403);
    }
  });

  it("refuses forbidden Hosts with 403 before upgrading (DNS rebinding)", async () => {
    for (const host of [
      "evil.example",
      `evil.example:${b.port}`,
      `127.0.0.1.nip.io:${b.port}`,
      `127.0.0.1:${b.port + 1}`,
      "127.0.0.1",
      `0.0.0.0:${b.port}`,
      undefined,
    ]) {
      expect(await upgradeStatus(b.port, { Host: host, Origin: TEST_ORIGIN }), String(host)).toBe(403);
    }
  });

  it("serves only its path", async () => {
    expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: TEST_ORIGIN }, "/other")).toBe(404);
  });

  it("lets a new extension in only while a pairing window is open", async () => {
    expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: other })).toBe(403);
    b.ctx.pairingWindow.open(60_000);
    expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: other })).toBe(101);
    b.ctx.pairingWindow.cancel();
  });

  it("refused requests reach no method and are audited", async () => {
    await expect(openClient(b.port, "https://evil.example")).rejects.toMatchObject({ status: 403 });
    const audit = readFileSync(path.join(b.dataDir, "audit.log"), "utf8");
    expect(audit).toContain('"refused-origin"');
    expect(audit).toContain('"refused-host"');
    expect(audit).not.toMatch(/"operation":"(card|directory|trust)\./);
  });

  it("invalid handshakes do not eat connection slots", async () => {
    for (let i = 0; i < 10; i++) {
      expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: TEST_ORIGIN, "Sec-WebSocket-Key": "bad" })).toBe(400);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: TEST_ORIGIN })).toBe(101);
  });

  it("caps authenticated connections with 503 before upgrading", async () => {
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const c = await openClient(b.port, TEST_ORIGIN);
      await c.authenticate(b.ctx.pairing.secret());
      clients.push(c);
    }
    expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: TEST_ORIGIN })).toBe(503);
    clients[0]!.close();
    await clients[0]!.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(await upgradeStatus(b.port, { Host: `127.0.0.1:${b.port}`, Origin: TEST_ORIGIN })).toBe(101);
    for (const c of clients) c.close();
  });

  it("unauthenticated connections never take the authenticated slots: past their own cap the oldest gives way", async () => {
    const idle = [];
    for (let i = 0; i < 40; i++) idle.push(await openClient(b.port, TEST_ORIGIN)); // more than maxUnauthenticated (16)
    const c = await openClient(b.port, TEST_ORIGIN);
    await c.authenticate(b.ctx.pairing.secret());
    expect(await c.call("bridge.status")).toMatchObject({ demo: false });
    const closed = await Promise.all(idle.slice(0, 20).map((x) => x.closed));
    expect(closed.every((x) => x.code === 1008)).toBe(true);
    for (const x of [...idle, c]) x.close();
  });
});
