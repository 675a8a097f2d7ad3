/**
 * The card service end to end below the WebSocket: pcscd (private instance), the vpcd virtual
 * card, a CPS3-shaped SoftHSM2 token read through the real TokenClient (PKCS#11 child process).
 * Proves the binding rule with real parts: SoftHSM keeps showing its token whether or not a card
 * is in the reader, and the service follows the reader, not the module.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CardLayerService } from "../../bridge/card/card-service.ts";
import type { CardChanged } from "../../bridge/services.ts";
import { TEST_FAKE_ENV } from "../../bridge/token/index.ts";
import { ADDON_ID } from "../../shared/constants.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { freeVpcdBasePort, missingPcscComponents, privatePcscd, type PrivatePcscd } from "../harness/pcscd.ts";
import { missingComponents } from "../harness/require-component.ts";
import { createSoftHsmToken, type SoftHsmToken } from "../../bridge/demo/softhsm.ts";
import { ATR, VirtualCard } from "../harness/virtual-card.ts";

const skip =
  missingPcscComponents("card-service (private pcscd + vpcd + SoftHSM2)", { privatePcscd: true }) ??
  missingComponents("card-service (private pcscd + vpcd + SoftHSM2)", ["softhsm2-util", "pkcs11-tool", "openssl"]);

async function errorCode(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
    return "resolved";
  } catch (e) {
    return e instanceof BridgeError ? e.code : String(e);
  }
}

function waitFor(service: CardLayerService, event: CardChanged["event"], timeoutMs = 5000): Promise<CardChanged> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const on = (c: CardChanged) => {
      if (c.event !== event) return;
      clearTimeout(t);
      service.off("changed", on);
      resolve(c);
    };
    service.on("changed", on);
  });
}

describe.skipIf(skip)("card service: reader binding with pcscd, the virtual card and SoftHSM", () => {
  let pcscd: PrivatePcscd;
  let token: SoftHsmToken;
  let service: CardLayerService | null = null;
  let card: VirtualCard;
  /** A second card, in the second vpcd reader. */
  let otherCard: VirtualCard;
  const home = mkdtempSync(path.join(os.tmpdir(), "card-service-home-"));

  function makeService(tokenEnv: NodeJS.ProcessEnv = {}, t: SoftHsmToken = token): CardLayerService {
    return new CardLayerService({
      modulePath: t.modulePath,
      tokenEnv: { ...t.env, ...tokenEnv },
      pcscEnv: pcscd.env,
      operationTimeoutMs: 20_000,
      home,
    });
  }

  beforeAll(async () => {
    // A random free port pair: overlapping test runs each get their own private pcscd and reader.
    const basePort = await freeVpcdBasePort();
    pcscd = privatePcscd({ basePort, friendlyName: "Service PCD" });
    card = new VirtualCard({ port: basePort });
    otherCard = new VirtualCard({ port: basePort + 1 });
    await pcscd.start();
    token = await createSoftHsmToken();
  });
  afterEach(async () => {
    await service?.close();
    service = null;
    await card?.remove();
    await otherCard?.remove();
    // Let pcscd see the card go (it polls every ~400 ms) before the next test's service starts.
    await new Promise((r) => setTimeout(r, 900));
  });
  afterAll(async () => {
    await pcscd?.dispose();
    await token?.cleanup();
  });

  it("no card in the reader: CARD_REMOVED, although SoftHSM shows its token", async () => {
    service = makeService();
    await service.start();
    expect(service.getState().unavailable?.reason).toBe("no-card");
    expect(await errorCode(service.getIdentity())).toBe(ErrorCode.CARD_REMOVED);
    expect(await errorCode(service.getPinStatus())).toBe(ErrorCode.CARD_REMOVED);
  });

  it("CPS3 inserted: identity and PIN state come from the token; pulled: CARD_REMOVED again; re-inserted: read again", async () => {
    service = makeService();
    await service.start();
    const inserted = waitFor(service, "inserted");
    await card.insert(ATR.CPS3_CONTACT);
    const e = await inserted;
    expect(e.state).toMatchObject({ boundReader: pcscd.readerName(0), unavailable: null });
    const id = await service.getIdentity();
    expect(id).toMatchObject({ idNat: "810001234567", idType: "RPPS", surname: "DUPONT", givenName: "JEAN", profession: "Médecin" });
    expect(await service.getPinStatus()).toEqual({ state: "ok", pinPad: false });
    expect(await service.getIdentity()).toBe(id); // cached for this insertion

    const removed = waitFor(service, "removed");
    await card.remove();
    await removed;
    expect(await errorCode(service.getIdentity())).toBe(ErrorCode.CARD_REMOVED);

    const again = waitFor(service, "inserted");
    await card.insert(ATR.CPS3_CONTACT);
    await again;
    const id2 = await service.getIdentity();
    expect(id2).toEqual(id);
    expect(id2).not.toBe(id); // a new read for the new insertion
  });

  it("unknown card: UNKNOWN_CARD, the token is not used", async () => {
    service = makeService();
    await service.start();
    const inserted = waitFor(service, "inserted");
    await card.insert(ATR.UNKNOWN);
    await inserted;
    expect(await errorCode(service.getIdentity())).toBe(ErrorCode.UNKNOWN_CARD);
  });

  it("pulling the card during a slow token read ends it at once with CARD_REMOVED", async () => {
    // Test-only fake at the PKCS#11 boundary: every token operation blocks 8 s (a stuck middleware).
    service = makeService({ [TEST_FAKE_ENV]: JSON.stringify({ delayMs: 8000 }) });
    await service.start();
    const inserted = waitFor(service, "inserted");
    await card.insert(ATR.CPS3_CONTACT);
    await inserted;
    const pending = service.getIdentity();
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await card.remove();
    expect(await errorCode(pending)).toBe(ErrorCode.CARD_REMOVED);
    // pcscd sees the removal on its next poll (~400 ms); far less than the 8 s the read would take.
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it("two cards in two readers, two tokens the module does not place: SEVERAL_CARDS, never the other card's identity or PIN state", async () => {
    // One SoftHSM holding two tokens with certificates (the doctor's and the staff card's). SoftHSM
    // slots do not name readers, so nothing tells which token is the card in the bound reader.
    const dir = mkdtempSync(path.join(os.tmpdir(), "card-service-two-tokens-"));
    try {
      const doctor = await createSoftHsmToken({ dir, pki: token.pki, card: token.pki!.doctor, tokenLabel: "CARD-A" });
      await createSoftHsmToken({ dir, pki: token.pki, card: token.pki!.staff, tokenLabel: "CARD-B" });
      service = makeService({}, doctor);
      await service.start();
      const first = waitFor(service, "inserted");
      await card.insert(ATR.CPS3_CONTACT);
      await first;
      const second = waitFor(service, "inserted");
      await otherCard.insert(ATR.CPS3_CONTACT);
      await second;
      expect(service.getState()).toMatchObject({ boundReader: pcscd.readerName(0), unavailable: null });
      expect(
        service
          .getState()
          .readers.filter((r) => r.cardPresent)
          .map((r) => r.name),
      ).toEqual([pcscd.readerName(0), pcscd.readerName(1)]);
      for (const call of [() => service!.getIdentity(), () => service!.getPinStatus()]) {
        const e = await call().catch((err: unknown) => err);
        expect(e).toBeInstanceOf(BridgeError);
        expect((e as BridgeError).code).toBe(ErrorCode.SEVERAL_CARDS);
        expect((e as BridgeError).message).toContain(`"${pcscd.readerName(0)}"`);
        expect((e as BridgeError).message).toMatch(/Remove the other card.*--reader NAME/);
      }
      // The first card pulled: the binding moves to the reader still holding a card; the module
      // (SoftHSM) still shows both tokens, so still no guess.
      const removed = waitFor(service, "removed");
      await card.remove();
      await removed;
      expect(service.getState().boundReader).toBe(pcscd.readerName(1));
      const moved = await service.getIdentity().catch((err: unknown) => err);
      expect(moved).toMatchObject({ code: ErrorCode.SEVERAL_CARDS, message: expect.stringContaining(`"${pcscd.readerName(1)}"`) });
      // Still bound to readers: no card left, CARD_REMOVED whatever the module shows.
      const gone = waitFor(service, "removed");
      await otherCard.remove();
      await gone;
      expect(await errorCode(service.getIdentity())).toBe(ErrorCode.CARD_REMOVED);
      expect(await errorCode(service.getPinStatus())).toBe(ErrorCode.CARD_REMOVED);
    } finally {
      await service?.close();
      service = null;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("module info and the mssante_cps manifest for the configured module", async () => {
    service = makeService();
    await service.start();
    expect(await service.getModuleInfo()).toMatchObject({ manifestName: "mssante_cps", manifestInstalled: false, moduleAvailable: true });
    await service.installModuleManifest();
    const m = JSON.parse(readFileSync(path.join(home, ".mozilla/pkcs11-modules/mssante_cps.json"), "utf8"));
    expect(m).toEqual({
      name: "mssante_cps",
      description: "MSSanté: carte CPS / CPS card (the module set with --module)",
      type: "pkcs11",
      path: token.modulePath,
      allowed_extensions: [ADDON_ID],
    });
    expect((await service.getModuleInfo()).manifestInstalled).toBe(true);
  });
});
