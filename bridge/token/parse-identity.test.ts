import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createHash, webcrypto } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { classifyIdNat, parseCardIdentity } from "./parse-identity.ts";

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** Issues a certificate with the given subject (JSON name: one object per RDN, several keys = multi-valued). */
async function issue(subject: x509.JsonName, opts: { serial?: string; issuerCn?: string } = {}): Promise<Uint8Array> {
  const caKeys = await webcrypto.subtle.generateKey(ALG, false, ["sign", "verify"]);
  const keys = await webcrypto.subtle.generateKey(ALG, false, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: opts.serial ?? "0a1b2c3d",
    issuer: [{ C: ["FR"] }, { O: ["TEST ASIP-SANTE"] }, { CN: [opts.issuerCn ?? "TEST AC IGC-SANTE FORT PERSONNES"] }],
    subject,
    notBefore: new Date("2026-01-02T03:04:05Z"),
    notAfter: new Date("2029-01-02T03:04:05Z"),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey as unknown as CryptoKey, // Node 26 types know key usages TypeScript's DOM types do not
    signingKey: caKeys.privateKey as unknown as CryptoKey,
  });
  return new Uint8Array(cert.rawData);
}

const personal = (cn: string, sn: string, gn: string, title = "Médecin"): x509.JsonName => [
  { C: ["FR"] },
  { T: [title] },
  { CN: [cn], SN: [sn], G: [gn] },
];

describe("parseCardIdentity", () => {
  it("reads a personal CPS subject (multi-valued RDN, title, accents)", async () => {
    const der = await issue(personal("810001234567", "LEFÈVRE", "ÉLODIE", "Sage-Femme"), { serial: "00ff10" });
    const id = parseCardIdentity(der);
    expect(id).toEqual({
      idNat: "810001234567",
      idType: "RPPS",
      idNumber: "10001234567",
      kind: "personal",
      surname: "LEFÈVRE",
      givenName: "ÉLODIE",
      profession: "Sage-Femme",
      structure: null,
      notBefore: "2026-01-02T03:04:05.000Z",
      notAfter: "2029-01-02T03:04:05.000Z",
      issuer: "TEST AC IGC-SANTE FORT PERSONNES",
      certificateSerial: "ff10",
      certificateSha256: createHash("sha256").update(der).digest("hex"),
    });
    expect(id.certificateSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keeps values holding RDN separators and apostrophes intact", async () => {
    const id = parseCardIdentity(await issue(personal("012345678", "N'DIAYE-DUPONT, JR", "JEAN+MARIE")));
    expect(id.surname).toBe("N'DIAYE-DUPONT, JR");
    expect(id.givenName).toBe("JEAN+MARIE");
    expect(id.idType).toBe("ADELI");
    expect(id.idNumber).toBe("12345678");
  });

  it("reads the same attributes whatever the order of the RDNs", async () => {
    const der = await issue([{ G: ["JEAN"], CN: ["810001234567"], SN: ["DUPONT"] }, { T: ["Médecin"] }, { C: ["FR"] }]);
    const id = parseCardIdentity(der);
    expect([id.idNat, id.surname, id.givenName, id.profession, id.kind]).toEqual(["810001234567", "DUPONT", "JEAN", "Médecin", "personal"]);
  });

  it("reads a staff card (CPE/CPA): CN=<id>/<suffix>, OU=structure", async () => {
    const der = await issue([{ C: ["FR"] }, { O: ["CH DE TEST"] }, { OU: ["SERVICE DES URGENCES"] }, { CN: ["3750000001/0042"] }]);
    const id = parseCardIdentity(der);
    expect(id.kind).toBe("staff");
    expect(id.idNat).toBe("3750000001/0042");
    expect(id.idType).toBe("FINESS");
    expect(id.idNumber).toBe("750000001/0042");
    expect(id.structure).toBe("SERVICE DES URGENCES");
    expect(id.surname).toBeNull();
    expect(id.givenName).toBeNull();
    expect(id.profession).toBeNull();
  });

  it("takes O as the structure of a staff card without OU", async () => {
    const id = parseCardIdentity(await issue([{ C: ["FR"] }, { O: ["CABINET TEST"] }, { CN: ["5123/01"] }]));
    expect(id.structure).toBe("CABINET TEST");
    expect(id.idType).toBe("SIRET");
  });

  it("takes O as the structure of a personal card without OU", async () => {
    const id = parseCardIdentity(
      await issue([{ C: ["FR"] }, { O: ["CABINET DU PORT"] }, { T: ["Médecin"] }, { CN: ["810001234567"], SN: ["DUPONT"], G: ["JEAN"] }]),
    );
    expect(id.kind).toBe("personal");
    expect(id.structure).toBe("CABINET DU PORT");
  });

  it("prefers OU to O as the structure of a personal card", async () => {
    const subject: x509.JsonName = [
      { C: ["FR"] },
      { O: ["CH DE TEST"] },
      { OU: ["CARDIOLOGIE"] },
      { CN: ["810001234567"], SN: ["DUPONT"], G: ["JEAN"] },
    ];
    const id = parseCardIdentity(await issue(subject));
    expect(id.kind).toBe("personal");
    expect(id.structure).toBe("CARDIOLOGIE");
  });

  it("gives no structure to a personal card with neither O nor OU", async () => {
    expect(parseCardIdentity(await issue(personal("810001234567", "DUPONT", "JEAN"))).structure).toBeNull();
  });

  it("refuses bytes that are not a certificate (TOKEN_ERROR)", () => {
    expect(() => parseCardIdentity(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))).toThrow(
      expect.objectContaining({ code: ErrorCode.TOKEN_ERROR }),
    );
  });

  it("refuses a certificate without a CN (CERTIFICATE_NOT_FOUND)", async () => {
    const der = await issue([{ C: ["FR"] }, { O: ["NO NAME"] }]);
    expect(() => parseCardIdentity(der)).toThrow(expect.objectContaining({ code: ErrorCode.CERTIFICATE_NOT_FOUND }));
  });
});

describe("classifyIdNat", () => {
  it.each([
    ["0123456789", "ADELI", "123456789"],
    ["1123456789", "ADELI_CABINET", "123456789"],
    ["3750000001", "FINESS", "750000001"],
    ["4123456789", "SIREN", "123456789"],
    ["51234567800012", "SIRET", "1234567800012"],
    ["610001234567", "RPPS_CABINET", "10001234567"],
    ["810001234567", "RPPS", "10001234567"],
    ["2123", "UNKNOWN", "2123"],
    ["9123", "UNKNOWN", "9123"],
    ["ABC", "UNKNOWN", "ABC"],
    ["", "UNKNOWN", ""],
  ])("%s → %s", (idNat, idType, idNumber) => {
    expect(classifyIdNat(idNat)).toEqual({ idType, idNumber });
  });
});
