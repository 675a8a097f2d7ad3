/**
 * What the bridge sees when the PKCS#11 side goes wrong: module missing or not a PKCS#11 library,
 * no card, card pulled and re-inserted, middleware crashing or hanging (the last two from the
 * test-only PKCS#11 fake, since SoftHSM does neither). The bridge process must survive all of them.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_FAKE_ENV, TokenClient } from "../../bridge/token/index.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { missingComponents } from "../harness/require-component.ts";
import { createSoftHsmToken, softHsmConfig, type SoftHsmToken } from "../../bridge/demo/softhsm.ts";

const skip = missingComponents("token failures (SoftHSM2)", ["softhsm2-util", "pkcs11-tool", "openssl"]);

/** The token children of this process that are still running. */
function workerChildren(): number[] {
  try {
    const out = execFileSync("pgrep", ["-P", String(process.pid), "-f", "token-worker"]).toString();
    return out.split("\n").filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe.skipIf(skip)("token failures", () => {
  let t: SoftHsmToken;
  const clients: TokenClient[] = [];
  const client = (opts: { fake?: object; timeoutMs?: number; modulePath?: string; env?: NodeJS.ProcessEnv } = {}) => {
    const env = { ...(opts.env ?? t.env), ...(opts.fake ? { [TEST_FAKE_ENV]: JSON.stringify(opts.fake) } : {}) };
    const c = new TokenClient({ modulePath: opts.modulePath ?? t.modulePath, timeoutMs: opts.timeoutMs ?? 15_000, env });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    t = await createSoftHsmToken();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t?.cleanup();
  });

  it("reports MODULE_UNAVAILABLE for a missing module, saying what to do, and keeps retrying", async () => {
    const c = client({ modulePath: "/opt/santesocial/CPS/lib/no-such-libcps3_pkcs11_lux.so" });
    const err = await c.readIdentity().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect(err).toMatchObject({ code: ErrorCode.MODULE_UNAVAILABLE });
    expect((err as Error).message).toMatch(/Cryptolib CPS/);
    expect((err as Error).message).toMatch(/--module/);
    await expect(c.pinStatus()).rejects.toMatchObject({ code: ErrorCode.MODULE_UNAVAILABLE });
    await expect(c.listTokens()).rejects.toMatchObject({ code: ErrorCode.MODULE_UNAVAILABLE });
  });

  it("reports MODULE_UNAVAILABLE for a library that is not a PKCS#11 module", async () => {
    const notPkcs11 = [
      "/usr/lib/x86_64-linux-gnu/libz.so.1",
      "/lib/x86_64-linux-gnu/libz.so.1",
      "/usr/lib/aarch64-linux-gnu/libz.so.1",
    ].find((p) => existsSync(p));
    const dir = await mkdtemp(path.join(os.tmpdir(), "mss-notp11-"));
    const garbage = path.join(dir, "garbage.so");
    await writeFile(garbage, "not a shared object");
    try {
      for (const m of [garbage, ...(notPkcs11 ? [notPkcs11] : [])]) {
        await expect(client({ modulePath: m }).readIdentity()).rejects.toMatchObject({ code: ErrorCode.MODULE_UNAVAILABLE });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports CARD_REMOVED when the module shows no initialised token", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "mss-notoken-"));
    try {
      await writeFile(path.join(dir, "softhsm2.conf"), softHsmConfig(dir));
      const c = client({ env: { SOFTHSM2_CONF: path.join(dir, "softhsm2.conf") } });
      await expect(c.readIdentity()).rejects.toMatchObject({ code: ErrorCode.CARD_REMOVED });
      await expect(c.pinStatus()).rejects.toMatchObject({ code: ErrorCode.CARD_REMOVED });
      // The spare uninitialised slot SoftHSM always shows is listed, but as no card.
      expect((await c.listTokens()).every((x) => !x.initialized && !x.hasAuthCertificate)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("follows the card pulled and re-inserted with the same client", async () => {
    const c = client();
    expect((await c.readIdentity()).surname).toBe("DUPONT");
    await t.removeToken();
    try {
      await expect(c.readIdentity()).rejects.toMatchObject({ code: ErrorCode.CARD_REMOVED });
      await expect(c.pinStatus()).rejects.toMatchObject({ code: ErrorCode.CARD_REMOVED });
    } finally {
      await t.restoreToken();
    }
    expect((await c.readIdentity()).surname).toBe("DUPONT");
    expect((await c.pinStatus()).state).toBe("ok");
  });

  it("survives a crashing middleware: TOKEN_ERROR, then a fresh child answers the next call", async () => {
    const c = client({ fake: { crash: "on-read" } });
    const before = process.pid;
    await expect(c.readIdentity()).rejects.toMatchObject({ code: ErrorCode.TOKEN_ERROR, message: expect.stringMatching(/restarted/) });
    expect(process.pid).toBe(before); // still here
    expect((await c.pinStatus()).state).toBe("ok"); // respawned child
    await expect(c.readIdentity()).rejects.toMatchObject({ code: ErrorCode.TOKEN_ERROR }); // crashes every read

    const once = client({ fake: { crash: "on-first-read" } });
    await expect(once.readIdentity()).rejects.toMatchObject({ code: ErrorCode.TOKEN_ERROR });
    expect((await once.readIdentity()).idNat).toBe("810001234567");
  });

  it("times out a hanging middleware (TIMEOUT), kills the stuck child and works again afterwards", async () => {
    const c = client({ fake: { delayMs: 30_000, firstChildOnly: true }, timeoutMs: 1_500 });
    const others = new Set(workerChildren());
    const started = Date.now();
    const err = await c.readIdentity().catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toMatchObject({ code: ErrorCode.TIMEOUT });
    expect((err as Error).message).toMatch(/1500 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(15_000);
    // The stuck child is killed, not left behind.
    await expect.poll(() => workerChildren().filter((pid) => !others.has(pid)), { timeout: 5_000 }).toEqual([]);
    expect((await c.readIdentity()).surname).toBe("DUPONT");
  });

  it("cancelAll ends pending operations at once with the given reason (card pulled) and restarts the child", async () => {
    const c = client({ fake: { delayMs: 30_000, firstChildOnly: true } });
    const pending = [c.readIdentity(), c.pinStatus()];
    const outcomes = Promise.allSettled(pending);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    c.cancelAll(new BridgeError(ErrorCode.CARD_REMOVED, "The card was removed."));
    const settled = await outcomes;
    expect(Date.now() - started).toBeLessThan(1_000);
    for (const s of settled) {
      expect(s.status).toBe("rejected");
      expect((s as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.CARD_REMOVED });
    }
    expect((await c.pinStatus()).state).toBe("ok");
  });

  it("refuses to run with a malformed test fake rather than silently testing the real path", async () => {
    const c = client({ fake: { pinFlags: "blocked" } });
    await expect(c.pinStatus()).rejects.toMatchObject({ code: ErrorCode.TOKEN_ERROR, message: expect.stringMatching(/malformed/) });
  });

  it("close() finalizes and stops the child; later calls are refused", async () => {
    const c = client();
    await c.listTokens();
    expect(workerChildren().length).toBeGreaterThan(0);
    await Promise.all(clients.filter((x) => x !== c).map((x) => x.close()));
    await c.close();
    expect(workerChildren()).toEqual([]);
    await expect(c.readIdentity()).rejects.toMatchObject({ code: ErrorCode.TOKEN_ERROR });
  });
});
