/**
 * The card's identity read through TokenClient (child process + pkcs11js) from a real SoftHSM2
 * token shaped like a CPS3, with certificates from a real openssl test PKI.
 */
import pkcs11js from "pkcs11js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenClient } from "../../bridge/token/index.ts";
import { createDirectReader, readIdentityDirect } from "../../bridge/token/direct-read.ts";
import { CKM_RSA_PKCS_PSS } from "../../bridge/token/pkcs11-flags.ts";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { missingComponents } from "../harness/require-component.ts";
import { createSoftHsmToken, type SoftHsmToken } from "../../bridge/demo/softhsm.ts";

const CKM_RSA_PKCS = 0x1;
const skip = missingComponents("token identity (SoftHSM2)", ["softhsm2-util", "pkcs11-tool", "openssl"]);

describe.skipIf(skip)("token identity from a SoftHSM2 CPS3-like token", () => {
  let pki: TestPki;
  const tokens: SoftHsmToken[] = [];
  const clients: TokenClient[] = [];
  const client = (t: SoftHsmToken) => {
    const c = new TokenClient({ modulePath: t.modulePath, timeoutMs: 15_000, env: t.env });
    clients.push(c);
    return c;
  };
  const token = async (opts: Parameters<typeof createSoftHsmToken>[0]) => {
    const t = await createSoftHsmToken({ pki, ...opts });
    tokens.push(t);
    return t;
  };

  beforeAll(async () => {
    pki = await createTestPki({
      doctor: { idNat: "810009876543", surname: "LEFÈVRE-N'DIAYE", givenName: "ÉLODIE", profession: "Médecin" },
      staff: { id: "3750000001", suffix: "0042", structure: "CENTRE HOSPITALIER SAINT-ÉTIENNE" },
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(tokens.map((t) => t.cleanup()));
    await pki?.cleanup();
  });

  it("reads a personal card's identity (multi-valued RDN, accents, apostrophe) without login", async () => {
    const t = await token({});
    const id = await client(t).readIdentity();
    expect(id).toMatchObject({
      idNat: "810009876543",
      idType: "RPPS",
      idNumber: "10009876543",
      kind: "personal",
      surname: "LEFÈVRE-N'DIAYE",
      givenName: "ÉLODIE",
      profession: "Médecin",
      structure: null,
      issuer: "TEST AC IGC-SANTE FORT PERSONNES",
      certificateSerial: pki.doctor.serial,
      certificateSha256: pki.doctor.sha256,
    });
    expect(Date.parse(id.notAfter)).toBeGreaterThan(Date.parse(id.notBefore));
    expect(Date.parse(id.notBefore)).toBeLessThanOrEqual(Date.now());
  });

  it("reads a staff card (CPE/CPA): CN=<id>/<suffix>, OU=structure", async () => {
    const t = await token({ card: pki.staff });
    const id = await client(t).readIdentity();
    expect(id).toMatchObject({
      idNat: "3750000001/0042",
      idType: "FINESS",
      kind: "staff",
      surname: null,
      givenName: null,
      structure: "CENTRE HOSPITALIER SAINT-ÉTIENNE",
      certificateSha256: pki.staff.sha256,
    });
  });

  it("reads a certificate from a foreign CA just the same (trust is the server's job) and names its issuer", async () => {
    const t = await token({ card: pki.foreign });
    const id = await client(t).readIdentity();
    expect(id.issuer).toBe("FOREIGN TEST CA (NOT IGC-SANTE)");
    expect(id.idNat).toBe("810009876543");
    expect(id.certificateSha256).toBe(pki.foreign.sha256);
  });

  it("falls back to the token's X.509 certificate when it is not labelled like a CPS's", async () => {
    const t = await token({ authCertLabel: "Some middleware's label" });
    const c = client(t);
    expect((await c.readIdentity()).certificateSha256).toBe(pki.doctor.sha256);
    const [info] = (await c.listTokens()).filter((x) => x.initialized);
    expect(info?.hasAuthCertificate).toBe(false);
  });

  it("reports CERTIFICATE_NOT_FOUND for a token without certificates", async () => {
    const t = await token({ empty: true });
    await expect(client(t).readIdentity()).rejects.toMatchObject({ code: ErrorCode.CERTIFICATE_NOT_FOUND });
  });

  it("lists the token like a CPS3 in a reader: label, removable, no RSA-PSS, authentication certificate", async () => {
    const t = await token({});
    const list = await client(t).listTokens();
    const cps = list.find((x) => x.label === "CPS-TEST");
    expect(cps).toMatchObject({
      initialized: true,
      removable: true,
      rsaPss: false,
      hasAuthCertificate: true,
      manufacturer: "SoftHSM project",
    });
    expect(cps?.serialNumber).toMatch(/^[0-9a-f]{16}$/);
    expect(cps?.slotDescription).toContain("SoftHSM");
    // SoftHSM's spare free slot is listed as uninitialised and never used for identity.
    expect(list.filter((x) => !x.initialized).every((x) => !x.hasAuthCertificate)).toBe(true);
  });

  it("really has RSA-PSS disabled (C_GetMechanismList), unlike a token configured to keep it", async () => {
    const cps3 = await token({});
    const cps4 = await token({ keepPss: true });
    const mechanisms = (t: SoftHsmToken): number[] => {
      // SoftHSM reads SOFTHSM2_CONF at C_Initialize: one module instance per configuration.
      process.env.SOFTHSM2_CONF = t.confPath;
      const p11 = new pkcs11js.PKCS11();
      p11.load(t.modulePath);
      p11.C_Initialize();
      try {
        const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === t.tokenLabel);
        if (!slot) throw new Error("token not found");
        return p11.C_GetMechanismList(slot);
      } finally {
        p11.C_Finalize();
        p11.close();
      }
    };
    const m3 = mechanisms(cps3);
    expect(m3).toContain(CKM_RSA_PKCS);
    expect(m3).not.toContain(CKM_RSA_PKCS_PSS);
    expect(mechanisms(cps4)).toContain(CKM_RSA_PKCS_PSS);
    const listed = await client(cps4).listTokens();
    expect(listed.find((x) => x.label === "CPS-TEST")?.rsaPss).toBe(true);
  });

  it("gives the same identity through the in-process benchmark reader", async () => {
    const t = await token({});
    const viaChild = await client(t).readIdentity();
    expect(await readIdentityDirect(t.modulePath, t.env)).toEqual(viaChild);
    const warm = createDirectReader(t.modulePath, t.env);
    try {
      expect(warm.readIdentity().certificateSha256).toBe(pki.doctor.sha256);
    } finally {
      warm.close();
    }
  });
});
