/**
 * The patient's INS (Identifiant National de Santé) as XDM metadata carry it, and whether it is
 * qualified (shared/domain/REFERENTIEL-2.md, "Patients"; ANS's INS guide): the identifier's
 * assigning authority is an OID, 1.2.250.1.213.1.4.8 for INS-NIR and .9 for INS-NIA; .10 and .11
 * are the test and demonstration OIDs; any other OID (a hospital's local IPP, …) is no INS.
 */

export const INS_NIR_OID = "1.2.250.1.213.1.4.8";
export const INS_NIA_OID = "1.2.250.1.213.1.4.9";
const INS_TEST_OIDS = new Set(["1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11"]);

/** true: INS-NIR or INS-NIA; "test": a test or demonstration OID; false: anything else. */
export type InsQualification = true | false | "test";

export function insQualification(oid: string | null): InsQualification {
  if (oid === INS_NIR_OID || oid === INS_NIA_OID) return true;
  return oid !== null && INS_TEST_OIDS.has(oid) ? "test" : false;
}

export interface HL7Identifier {
  id: string;
  oid: string | null;
}

/**
 * An HL7 v2 CX value, `<id>^^^&<oid>&ISO` (IHE ITI TF-3 4.2.3.1.7, "patientId"): the identifier
 * and the universal id of its assigning authority. Null when there is no identifier.
 */
export function parseCx(value: string): HL7Identifier | null {
  const parts = value.trim().split("^");
  const id = parts[0]?.trim() ?? "";
  if (id === "") return null;
  const authority = (parts[3] ?? "").split("&");
  const oid = authority[1]?.trim() ?? "";
  return { id, oid: oid === "" ? null : oid };
}

/**
 * Whether an `X-MSS-INS` header (O/N: "is a qualified INS in the XDM", ECO.2.4.2) contradicts what
 * the archive holds. A test OID counts as qualified (a test platform's INS are all test ones).
 * Returns "invalid" for a header that is neither O nor N.
 */
export function insHeaderVerdict(header: string, qualified: InsQualification | null): "agrees" | "contradicts" | "invalid" {
  const flag = header.trim().toUpperCase();
  if (flag !== "O" && flag !== "N") return "invalid";
  const present = qualified === true || qualified === "test";
  return (flag === "O") === present ? "agrees" : "contradicts";
}
