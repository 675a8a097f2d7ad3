/** A patient recipient is written as a keyed hash, never with the INS; professionals as their address. */
import { describe, expect, it } from "vitest";
import { isPatientAddress, newTraceKey, recipientLabels } from "./recipient-label.ts";

const INS = "279035121518989";

describe("recipient labels", () => {
  it("patients hashed with the installation's key: stable under one key, different under another", async () => {
    const k1 = newTraceKey();
    const k2 = newTraceKey();
    expect(k1).not.toBe(k2);
    const [a, b] = await recipientLabels([`${INS}@patient.mssante.fr`, `${INS}@Patient.MSSante.fr`], k1);
    expect(a).toMatch(/^patient:[0-9a-f]{32}$/);
    expect(b).toBe(a);
    expect(a).not.toContain(INS);
    const [c] = await recipientLabels([`${INS}@patient.mssante.fr`], k2);
    expect(c).not.toBe(a);
  });

  it("the HMAC is HMAC-SHA-256 of the lower-case address", async () => {
    const key = newTraceKey();
    const { createHmac } = await import("node:crypto");
    const expected = createHmac("sha256", Buffer.from(key, "base64")).update(`${INS}@patient.mssante.fr`).digest("hex").slice(0, 32);
    expect(await recipientLabels([`${INS}@PATIENT.mssante.fr`], key)).toEqual([`patient:${expected}`]);
  });

  it("professionals as is (lower-case); a look-alike domain is not a patient", async () => {
    expect(await recipientLabels(["Paul.Martin@Hopital.mssante.fr"], newTraceKey())).toEqual(["paul.martin@hopital.mssante.fr"]);
    expect(isPatientAddress(`${INS}@patient.mssante.fr.example`)).toBe(false);
  });
});
