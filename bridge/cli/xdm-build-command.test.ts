/** PATIENT.json of `mss-bridge xdm build`: the known fields only, `qualified` a boolean; exit 3 otherwise, never quoting a value. */
import { describe, expect, it } from "vitest";
import { CliError } from "./common.ts";
import { patientFromJson } from "./xdm-build-command.ts";

const PATIENT = {
  ins: "279035121518989",
  insOid: "1.2.250.1.213.1.4.8",
  qualified: true,
  family: "DURAND",
  given: "Marie",
  birthDate: "1979-03-12",
  sex: "F",
};

function refusal(text: string): CliError {
  try {
    patientFromJson(text);
  } catch (e) {
    if (e instanceof CliError) return e;
  }
  throw new Error("not refused");
}

describe("patientFromJson", () => {
  it("takes the fields as given; absent ones are empty or null", () => {
    expect(patientFromJson(JSON.stringify(PATIENT))).toEqual({ ...PATIENT, localId: null, localOid: null });
    expect(patientFromJson(JSON.stringify({ qualified: false, localId: "IPP-1", localOid: "1.2.3" }))).toEqual({
      ins: null,
      insOid: null,
      qualified: false,
      localId: "IPP-1",
      localOid: "1.2.3",
      family: "",
      given: "",
      birthDate: "",
      sex: "",
    });
  });
  it("exit 3: not JSON, not an object, an unknown field, qualified not a boolean; the INS is never quoted", () => {
    for (const [text, reason] of [
      ["{", /not valid JSON/],
      ["[1]", /must be a JSON object/],
      [JSON.stringify({ ...PATIENT, nir: "x" }), /unknown field: "nir"/],
      [JSON.stringify({ ...PATIENT, qualified: "yes" }), /"qualified" must be true or false/],
    ] as const) {
      const e = refusal(text);
      expect(e.exitCode).toBe(3);
      expect(e.message).toMatch(reason);
      expect(e.message).not.toContain(PATIENT.ins);
    }
  });
});
