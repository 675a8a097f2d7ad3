/**
 * The patient of an XDM subset (pure): the INS from the DocumentEntries' and SubmissionSet's
 * `patientId` (IHE ITI TF-3 4.2.3.2.16, 4.2.3.3.12; ECO.2.1.2), falling back on `sourcePatientId`;
 * names, birth date and sex from `sourcePatientInfo` (TF-3 4.2.3.2.24: PID-5, PID-7, PID-8).
 */
import type { EntryMetadata } from "./ebrim-metadata.ts";
import { hl7Date } from "./ebrim-metadata.ts";
import { type InsQualification, insQualification, parseCx } from "./ins.ts";
import { type XdmProblem, xdmProblem } from "./xdm-problems.ts";

export interface XdmPatient {
  ins: string | null;
  insOid: string | null;
  qualified: InsQualification | null;
  family: string | null;
  given: string | null;
  birthDate: string | null;
  sex: string | null;
}

function pidField(info: string[], field: string): string[] {
  const prefix = `${field}|`;
  return info.filter((v) => v.startsWith(prefix)).map((v) => v.slice(prefix.length).trim());
}

function names(info: string[]): { family: string | null; given: string | null } {
  const all = pidField(info, "PID-5").map((v) => v.split("^"));
  // ANS: the birth name carries the type L (legal); a used name, D, may come with it.
  const chosen = all.find((p) => p[6] === "L") ?? all[0];
  const part = (i: number) => (chosen?.[i]?.trim() ? chosen[i]!.trim() : null);
  return { family: part(0), given: part(1) };
}

function demographics(info: string[]): Omit<XdmPatient, "ins" | "insOid" | "qualified"> {
  const birth = hl7Date(pidField(info, "PID-7")[0] ?? null);
  const sex = pidField(info, "PID-8")[0]?.toUpperCase() ?? "";
  return { ...names(info), birthDate: birth ? birth.slice(0, 10) : null, sex: ["M", "F", "U"].includes(sex) ? sex : null };
}

function identifiers(entries: EntryMetadata[], setPatientIds: string[]): string[] {
  const ids = [...entries.map((e) => e.patientId), ...setPatientIds].filter((x): x is string => x !== null);
  if (ids.length > 0) return ids;
  return entries.map((e) => e.sourcePatientId).filter((x): x is string => x !== null);
}

export function patientOf(entries: EntryMetadata[], setPatientIds: string[]): { patient: XdmPatient; problems: XdmProblem[] } {
  const problems: XdmProblem[] = [];
  const parsed = identifiers(entries, setPatientIds)
    .map(parseCx)
    .filter((x) => x !== null);
  const distinct = new Map(parsed.map((p) => [`${p.id}|${p.oid ?? ""}`, p]));
  const info = entries.find((e) => e.sourcePatientInfo.length > 0)?.sourcePatientInfo ?? [];
  const base = demographics(info);
  if (distinct.size !== 1) {
    problems.push(xdmProblem(distinct.size === 0 ? "PATIENT_MISSING" : "PATIENT_CONTRADICTORY"));
    return { patient: { ins: null, insOid: null, qualified: null, ...base }, problems };
  }
  const only = [...distinct.values()][0]!;
  const qualified = insQualification(only.oid);
  if (qualified === false) problems.push(xdmProblem("INS_NOT_QUALIFIED"));
  if (qualified === "test") problems.push(xdmProblem("INS_TEST"));
  return { patient: { ins: only.id, insOid: only.oid, qualified, ...base }, problems };
}
