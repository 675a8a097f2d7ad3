/**
 * Which token the identity and the PIN state come from when the PKCS#11 module shows two: one
 * real SoftHSM2 configuration holding two tokens (two slots), read through TokenClient (child
 * process + pkcs11js). SoftHSM's slots do not name PC/SC readers, so this is the "no slot names the
 * bound reader" branch of bridge/token/slot-match.ts (the naming branch is unit-tested there).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TokenClient, type BoundReader } from "../../bridge/token/index.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { missingComponents } from "../harness/require-component.ts";
import { createSoftHsmToken, type SoftHsmOptions, type SoftHsmToken } from "../../bridge/demo/softhsm.ts";

const skip = missingComponents("token slots (SoftHSM2, two tokens)", ["softhsm2-util", "pkcs11-tool", "openssl"]);

/** The bound reader as the card service passes it (names a SoftHSM slot never has). */
const READER: BoundReader = { name: "Virtual PCD 00 00", others: ["Virtual PCD 00 01"] };

async function rejection(p: Promise<unknown>): Promise<BridgeError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BridgeError);
  return e as BridgeError;
}

describe.skipIf(skip)("identity and PIN state with two tokens in the module", () => {
  let pki: TestPki;
  const dirs: string[] = [];
  const clients: TokenClient[] = [];

  /** One SoftHSM configuration (one directory) holding one token per entry, in this order. */
  async function twoTokens(first: SoftHsmOptions, second: SoftHsmOptions): Promise<[SoftHsmToken, SoftHsmToken]> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mss-two-tokens-"));
    dirs.push(dir);
    const a = await createSoftHsmToken({ pki, dir, tokenLabel: "CARD-A", ...first });
    const b = await createSoftHsmToken({ pki, dir, tokenLabel: "CARD-B", ...second });
    return [a, b];
  }
  const client = (t: SoftHsmToken) => {
    const c = new TokenClient({ modulePath: t.modulePath, timeoutMs: 15_000, env: t.env });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await pki?.cleanup();
  });

  it("two tokens with a certificate and no slot naming the reader: SEVERAL_CARDS, for the identity and the PIN state", async () => {
    const [a] = await twoTokens({ card: pki.doctor }, { card: pki.staff });
    const c = client(a);
    for (const where of [READER, undefined]) {
      const identity = await rejection(c.readIdentity(where));
      const pin = await rejection(c.pinStatus(where));
      for (const e of [identity, pin]) {
        expect(e.code).toBe(ErrorCode.SEVERAL_CARDS);
        expect(e.message).toMatch(/2 cards are seen/);
        expect(e.message).toMatch(/Remove the other card/);
        expect(e.message).toMatch(/--reader NAME/);
      }
      if (where) expect(identity.message).toContain(`"${READER.name}"`);
    }
  });

  it("one token with a certificate and one without: identity AND PIN state come from the certificate's token", async () => {
    // The certificate's label is not the CPS one (found as the first certificate), and the OTHER
    // token's PIN is count-low after a wrong login: flags read from anything but the certificate's
    // slot would say count-low.
    const [empty, card] = await twoTokens({ empty: true }, { card: pki.doctor, authCertLabel: "Authentication" });
    await expect(empty.pkcs11Tool(["--login", "--pin", "0000", "--list-objects"])).rejects.toThrow(/CKR_PIN_INCORRECT/);
    for (const where of [READER, undefined]) {
      const c = client(card);
      expect((await c.readIdentity(where)).certificateSha256).toBe(pki.doctor.sha256);
      expect(await c.pinStatus(where)).toEqual({ state: "ok", pinPad: false });
    }
    // And the other way round: a wrong PIN on the card's token shows, the empty token's does not matter.
    await expect(card.pkcs11Tool(["--login", "--pin", "0000", "--list-objects"])).rejects.toThrow(/CKR_PIN_INCORRECT/);
    await empty.pkcs11Tool(["--login", "--pin", empty.pin, "--list-objects"]);
    expect((await client(card).pinStatus(READER)).state).toBe("count-low");
  });

  it("two tokens without a certificate: SEVERAL_CARDS for the PIN state (nothing tells them apart)", async () => {
    const [a] = await twoTokens({ empty: true }, { empty: true });
    const e = await rejection(client(a).pinStatus(READER));
    expect(e.code).toBe(ErrorCode.SEVERAL_CARDS);
  });
});
