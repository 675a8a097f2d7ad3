/**
 * The size of a message to a patient as submitted, and the patient addresses' masking. The base64
 * sizes are checked against Node's own encoder (Buffer), lines wrapped at 76 with CRLF as RFC 2045 says.
 */
import { describe, expect, it } from "vitest";
import {
  base64EncodedSize,
  encodedMessageSize,
  HEADER_ALLOWANCE,
  maskPatientAddress,
  megabytes,
  PART_ALLOWANCE,
  PATIENT_MESSAGE_LIMIT,
  patientRecipient,
} from "./patient-recipients.ts";

/** What a MIME encoder writes for n bytes: base64 in 76-character lines, each ending with CRLF. */
function wrappedBase64(n: number): number {
  const b64 = Buffer.alloc(n, 0xa5).toString("base64");
  return b64.replace(/.{1,76}/g, "$&\r\n").length;
}

describe("patient recipients", () => {
  it("recognises Mon espace santé's addresses and checks their INS; anyone else is not a patient", () => {
    expect(patientRecipient("279035121518989@patient.mssante.fr")).toEqual({ ok: true });
    expect(patientRecipient("279035121518988@PATIENT.MSSANTE.FR")).toMatchObject({ ok: false, reason: { code: "INS_KEY" } });
    expect(patientRecipient("dr@medecin.mssante.fr")).toBeNull();
    expect(patientRecipient("279035121518989@patient.mssante.fr.example")).toBeNull();
  });

  it("hides the INS of a patient's address, and only there", () => {
    expect(maskPatientAddress("279035121518989@patient.mssante.fr")).toBe("[INS]@patient.mssante.fr");
    expect(maskPatientAddress("bad@patient.mssante.fr")).toBe("[INS]@patient.mssante.fr");
    expect(maskPatientAddress("dr@medecin.mssante.fr")).toBe("dr@medecin.mssante.fr");
  });

  it("counts base64 with its line breaks as an encoder writes it", () => {
    for (const n of [0, 1, 2, 3, 56, 57, 58, 1000, 123_457, 3_000_001]) expect(base64EncodedSize(n), String(n)).toBe(wrappedBase64(n));
  });

  it("adds the body (HTML and its plain-text alternative), the headers and each attachment's part", () => {
    const empty = { headers: [], html: null, plainText: null, attachments: [] };
    expect(encodedMessageSize(empty)).toBe(HEADER_ALLOWANCE);
    const body = "Compte rendu : échographie normale.";
    const utf8 = Buffer.byteLength(body, "utf8");
    expect(encodedMessageSize({ ...empty, plainText: body })).toBe(HEADER_ALLOWANCE + utf8);
    expect(encodedMessageSize({ ...empty, html: `<p>${body}</p>`, plainText: body })).toBe(HEADER_ALLOWANCE + utf8 + utf8 + 7);
    const subject = "Résultats";
    expect(encodedMessageSize({ ...empty, headers: [subject] })).toBe(HEADER_ALLOWANCE + Buffer.byteLength(subject) + 16);
    const a = { name: "compte-rendu.pdf", size: 1_000_000 };
    expect(encodedMessageSize({ ...empty, attachments: [a, a] })).toBe(
      HEADER_ALLOWANCE + 2 * (PART_ALLOWANCE + 2 * a.name.length + wrappedBase64(a.size)),
    );
  });

  it("an attachment of about 18.3 MB is what fills the 25 MB a patient may receive", () => {
    // base64 with CRLF makes 78 bytes of 57: the raw bytes that fit are about 25 MB × 57/78.
    const fits = (size: number) =>
      encodedMessageSize({ headers: [], html: null, plainText: null, attachments: [{ name: "a.pdf", size }] }) <= PATIENT_MESSAGE_LIMIT;
    let lo = 0;
    let hi = PATIENT_MESSAGE_LIMIT;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    expect(fits(lo) && !fits(lo + 1)).toBe(true);
    expect(Math.abs(lo - (PATIENT_MESSAGE_LIMIT * 57) / 78)).toBeLessThan(3000);
  });

  it("says megabytes rounded up, in French and in English", () => {
    expect(megabytes(25_000_000, "fr")).toBe("25,0");
    expect(megabytes(25_000_001, "fr")).toBe("25,1");
    expect(megabytes(31_250_000, "en-US")).toBe("31.3");
  });
});
