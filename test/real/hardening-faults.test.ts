/**
 * Faults under a REAL bridge process, seen over the WebSocket as the extension sees them: a private
 * pcscd (own namespace and vpcd ports, so killing it disturbs nobody), the vpcd virtual card, a
 * CPS3-shaped SoftHSM2 token, the test-only PKCS#11 fake for slow and crashing middleware.
 * Each fault ends the operation in progress with a typed error, the bridge keeps serving other
 * requests meanwhile, and the card works again once the part is back:
 *   card pulled during a slow read · pcscd killed during a read and restarted · reader unplugged
 *   (gone from pcscd) and plugged back · PKCS#11 module missing, then not loadable, then installed
 *   · the PKCS#11 child crashing.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TEST_FAKE_ENV } from "../../bridge/token/index.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { missingPcscComponents, privatePcscd, type PrivatePcscd } from "../harness/pcscd.ts";
import { missingComponents } from "../harness/require-component.ts";
import { createSoftHsmToken, type SoftHsmToken } from "../../bridge/demo/softhsm.ts";
import { ATR, VirtualCard } from "../harness/virtual-card.ts";
import { openClient, type TestClient } from "../harness/bridge-process.ts";
import { ORIGINS, secretForms, startHardenedBridge, type HardenedBridge } from "../hardening/hardened-bridge.ts";

const SUITE = "hardening-faults (private pcscd + vpcd + SoftHSM2)";
const skip = missingPcscComponents(SUITE, { privatePcscd: true }) ?? missingComponents(SUITE, ["softhsm2-util", "pkcs11-tool", "openssl"]);
const BASE_PORT = 31991; // below the ephemeral port range, see test/harness/pcscd.ts
const HOLDER_IDNAT = "810001234567";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function codeOf(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
    return "resolved";
  } catch (e) {
    return (e as { code?: number }).code ?? String(e);
  }
}

/** Polls card.getState until `pred` holds. */
async function waitState(c: TestClient, pred: (s: any) => boolean, what: string, ms = 10_000): Promise<any> {
  const end = Date.now() + ms;
  let s: any;
  for (;;) {
    s = await c.call("card.getState");
    if (pred(s)) return s;
    if (Date.now() > end) throw new Error(`${what}: state stayed ${JSON.stringify(s)}`);
    await sleep(150);
  }
}
const cardReady = (s: any) => s.pcscAvailable && s.boundReader !== null && s.unavailable === null;

/** Answers within `ms` while a card operation is stuck: the event loop is not blocked. */
async function answersQuickly(c: TestClient, ms = 1000): Promise<void> {
  const t0 = Date.now();
  expect((await c.call("bridge.status")).bridgeVersion).toEqual(expect.any(String));
  expect(await c.call("directory.status")).toMatchObject({ count: expect.any(Number) });
  expect(Date.now() - t0).toBeLessThan(ms);
}

describe.skipIf(skip)("hardening: faults (real bridge process)", () => {
  let pcscd: PrivatePcscd;
  let token: SoftHsmToken;
  const card = new VirtualCard({ port: BASE_PORT, stayInserted: true, reconnectMs: 100 });
  const bridges: HardenedBridge[] = [];
  const outputs: string[] = [];
  let secrets: Uint8Array[] = [];

  async function bridgeWith(opts: { fake?: object; modulePath?: string }): Promise<{ b: HardenedBridge; c: TestClient }> {
    const env: Record<string, string> = { ...pcscd.env, ...token.env };
    if (opts.fake) env[TEST_FAKE_ENV] = JSON.stringify(opts.fake);
    const b = await startHardenedBridge({ args: ["--module", opts.modulePath ?? token.modulePath], env });
    bridges.push(b);
    const secret = await b.pair(ORIGINS.post);
    secrets.push(secret);
    const c = await openClient(b.port, ORIGINS.post);
    await c.authenticate(secret);
    return { b, c };
  }

  beforeAll(async () => {
    pcscd = privatePcscd({ basePort: BASE_PORT, friendlyName: "Hardening PCD" });
    await pcscd.start();
    token = await createSoftHsmToken();
  });
  afterEach(async () => {
    for (const b of bridges.splice(0)) {
      outputs.push(b.stdout() + b.stderr() + b.writtenText());
      expect(b.alive(), "the bridge survived").toBe(true);
      expect(await b.stop()).toBe(0);
    }
    await card.remove();
    await sleep(900); // pcscd polls vpcd every ~400 ms: let it see the card go
  });
  afterAll(async () => {
    await card.remove();
    await pcscd?.dispose();
    await token?.cleanup();
  });

  it("card pulled during a slow read: CARD_REMOVED at once, the bridge answers meanwhile, the card works when back", async () => {
    // Every token call of the first child blocks 8 s (stuck middleware); a restarted child is healthy.
    const { b, c } = await bridgeWith({ fake: { delayMs: 8000, firstChildOnly: true } });
    await card.insert(ATR.CPS3_CONTACT);
    await waitState(c, cardReady, "card inserted");
    const pending = codeOf(c.call("card.getIdentity"));
    await sleep(400);
    await answersQuickly(c);
    const t0 = Date.now();
    await card.remove();
    expect(await pending).toBe(ErrorCode.CARD_REMOVED);
    expect(Date.now() - t0).toBeLessThan(3000);
    await waitState(c, (s) => s.unavailable?.reason === "no-card", "card removed");
    expect(c.notifications.some((n) => n.method === "card.changed" && n.params.event === "removed")).toBe(true);
    await card.insert(ATR.CPS3_CONTACT);
    await waitState(c, cardReady, "card back");
    expect((await c.call("card.getIdentity")).idNat).toBe(HOLDER_IDNAT);
    expect(b.alive()).toBe(true);
  }, 60_000);

  it("pcscd killed during a read: a typed error, PCSC_UNAVAILABLE state, recovery when pcscd restarts", async () => {
    const { c } = await bridgeWith({ fake: { delayMs: 8000, firstChildOnly: true } });
    await card.insert(ATR.CPS3_CONTACT);
    await waitState(c, cardReady, "card inserted");
    const pending = codeOf(c.call("card.getPinStatus"));
    await sleep(400);
    const t0 = Date.now();
    await pcscd.stop(true); // SIGKILL, as a crash
    const code = await pending;
    expect([ErrorCode.PCSC_UNAVAILABLE, ErrorCode.CARD_REMOVED, ErrorCode.NO_READER, ErrorCode.TOKEN_ERROR]).toContain(code);
    expect(Date.now() - t0).toBeLessThan(5000);
    const down = await waitState(c, (s) => !s.pcscAvailable, "pcscd down");
    expect(down.unavailable?.reason).toBe("pcsc-unavailable");
    await answersQuickly(c);
    expect(await codeOf(c.call("card.getIdentity"))).toBe(ErrorCode.PCSC_UNAVAILABLE);
    await pcscd.start();
    await waitState(c, cardReady, "pcscd back", 20_000);
    expect((await c.call("card.getIdentity")).idNat).toBe(HOLDER_IDNAT);
    expect((await c.call("card.getPinStatus")).state).toEqual(expect.any(String));
  }, 60_000);

  it("reader unplugged during a read (gone from pcscd): a typed error, then the card works when it is back", async () => {
    const { c } = await bridgeWith({ fake: { delayMs: 8000, firstChildOnly: true } });
    await card.insert(ATR.CPS3_CONTACT);
    await waitState(c, cardReady, "card inserted");
    const pending = codeOf(c.call("card.getIdentity"));
    await sleep(400);
    // The reader disappears: pcscd comes back without it (another reader name on the same port).
    const original = pcscd.friendlyName;
    await pcscd.stop();
    pcscd.rename("Replacement PCD");
    await pcscd.start();
    const code = await pending;
    expect([ErrorCode.CARD_REMOVED, ErrorCode.NO_READER, ErrorCode.PCSC_UNAVAILABLE, ErrorCode.TOKEN_ERROR]).toContain(code);
    await answersQuickly(c);
    // Plugged back: the original reader returns with the card in it.
    await pcscd.stop();
    pcscd.rename(original);
    await pcscd.start();
    const s = await waitState(c, (x) => cardReady(x) && x.boundReader === pcscd.readerName(0), "reader back", 20_000);
    expect(s.readers.map((r: any) => r.name)).toContain(pcscd.readerName(0));
    expect((await c.call("card.getIdentity")).idNat).toBe(HOLDER_IDNAT);
  }, 60_000);

  it("PKCS#11 module missing, then not loadable, then installed: MODULE_UNAVAILABLE until it is there", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mss-module-"));
    const modulePath = path.join(dir, "libcps3_pkcs11_test.so");
    try {
      const { c } = await bridgeWith({ modulePath });
      await card.insert(ATR.CPS3_CONTACT);
      const missing = await waitState(c, (s) => s.boundReader !== null && s.unavailable !== null, "card seen, module missing");
      expect(missing.unavailable.reason).toBe("module-unavailable");
      const e1 = await c.call("card.getIdentity").catch((e) => e);
      expect(e1.code).toBe(ErrorCode.MODULE_UNAVAILABLE);
      expect(e1.message).toMatch(/module/i);
      expect((await c.call("card.getModuleInfo")).moduleAvailable).toBe(false);
      await answersQuickly(c);
      // A file that is not a PKCS#11 library (a failed install).
      writeFileSync(modulePath, "this is not a shared library\n");
      expect(await codeOf(c.call("card.getIdentity"))).toBe(ErrorCode.MODULE_UNAVAILABLE);
      await answersQuickly(c);
      // The module is installed: the next call loads it.
      rmSync(modulePath);
      copyFileSync(token.modulePath, modulePath);
      await waitState(c, cardReady, "module installed");
      expect((await c.call("card.getIdentity")).idNat).toBe(HOLDER_IDNAT);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("the PKCS#11 child crashing: TOKEN_ERROR, the bridge keeps serving, the next call gets a fresh child", async () => {
    const { c } = await bridgeWith({ fake: { crash: "on-first-read" } });
    await card.insert(ATR.CPS3_CONTACT);
    await waitState(c, cardReady, "card inserted");
    expect(await codeOf(c.call("card.getIdentity"))).toBe(ErrorCode.TOKEN_ERROR);
    await answersQuickly(c);
    expect((await c.call("card.getIdentity")).idNat).toBe(HOLDER_IDNAT);
  }, 60_000);

  it("a child that crashes on every read: TOKEN_ERROR each time, never the bridge", async () => {
    const { b, c } = await bridgeWith({ fake: { crash: "on-read" } });
    await card.insert(ATR.CPS3_CONTACT);
    await waitState(c, cardReady, "card inserted");
    for (let i = 0; i < 4; i++) expect(await codeOf(c.call("card.getIdentity"))).toBe(ErrorCode.TOKEN_ERROR);
    await answersQuickly(c);
    expect(b.alive()).toBe(true);
  }, 60_000);

  async function hangingBridge(): Promise<TestClient> {
    const env: Record<string, string> = {
      ...pcscd.env,
      ...token.env,
      [TEST_FAKE_ENV]: JSON.stringify({ delayMs: 60_000, firstChildOnly: true }),
    };
    const b = await startHardenedBridge({
      args: ["--module", token.modulePath],
      env,
      config: { limits: { cardOperationTimeoutMs: 2000 } },
    });
    bridges.push(b);
    const secret = await b.pair(ORIGINS.post);
    secrets.push(secret);
    const c = await openClient(b.port, ORIGINS.post);
    await c.authenticate(secret);
    await card.insert(ATR.CPS3_CONTACT);
    await waitState(c, cardReady, "card inserted");
    return c;
  }

  it("a hanging middleware: TIMEOUT at the configured card timeout, the bridge answers meanwhile, the card works again", async () => {
    const c = await hangingBridge();
    const t0 = Date.now();
    const pending = codeOf(c.call("card.getIdentity"));
    await sleep(300);
    await answersQuickly(c);
    expect(await pending).toBe(ErrorCode.TIMEOUT);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - t0).toBeLessThan(6000);
    // The stuck child is killed; a fresh (healthy) one answers.
    const end = Date.now() + 15_000;
    let id: any = null;
    while (!id && Date.now() < end) id = await c.call("card.getIdentity").catch(() => sleep(300).then(() => null));
    expect(id?.idNat).toBe(HOLDER_IDNAT);
  }, 60_000);

  it("a retry right after a TIMEOUT is a new attempt, not the stale operation's second failure", async () => {
    // Found here: the WebSocket layer times out (cardOperationTimeoutMs) before the token layer
    // (same value, counted from when the child is ready), so the read it gave up on is still
    // pending in the card service, and a retry joins it and fails with its late TIMEOUT.
    const c = await hangingBridge();
    expect(await codeOf(c.call("card.getIdentity"))).toBe(ErrorCode.TIMEOUT);
    const retry = await c.call("card.getIdentity").catch((e) => e);
    expect(retry.message ?? "", "the retry failed with the previous operation's timeout").not.toMatch(/did not answer/);
    expect(retry.idNat).toBe(HOLDER_IDNAT);
  }, 60_000);

  it("no fault left a secret or the holder's identifier in any output or log", () => {
    const all = outputs.join("\n");
    expect(all.length).toBeGreaterThan(0);
    for (const s of secrets) for (const f of secretForms(s)) expect(all).not.toContain(f);
    // The card holder's national identifier is read from the card and must stay in the answers.
    expect(all).not.toContain(HOLDER_IDNAT);
    secrets = [];
  });
});
