/** `mss-bridge xdm read` for people: the reading of an XDM archive, French then English (pure). */
import type { XdmDocument, XdmReading } from "../../shared/xdm/read-xdm.ts";
import type { XdmPatient } from "../../shared/xdm/xdm-patient.ts";

const NONE = "—";

function qualification(p: XdmPatient): string {
  if (p.ins === null) return "INS : absent ou incertain / INS: missing or uncertain";
  if (p.qualified === true) return `INS : ${p.ins} (qualifié / qualified, OID ${p.insOid})`;
  if (p.qualified === "test") return `INS : ${p.ins} (INS de test / test INS, OID ${p.insOid})`;
  return `INS : ${p.ins} (non qualifié / not qualified, OID ${p.insOid ?? NONE})`;
}

function patientLines(p: XdmPatient): string[] {
  const name = [p.family, p.given].filter((x) => x !== null).join(" ") || NONE;
  return [`Patient : ${name}`, `  Né(e) le / born: ${p.birthDate ?? NONE}   Sexe / sex: ${p.sex ?? NONE}`, `  ${qualification(p)}`];
}

function check(ok: boolean | null): string {
  if (ok === null) return "non vérifiable / not checked";
  return ok ? "OK" : "DIFFÉRENT / MISMATCH";
}

function documentLines(d: XdmDocument, i: number): string[] {
  const type = d.typeCode ? `${d.typeCode}${d.typeLabel ? ` « ${d.typeLabel} »` : ""}` : NONE;
  const by = [d.author, d.organisation].filter((x) => x !== null).join(", ") || NONE;
  return [
    `  ${i + 1}. ${d.title ?? NONE}`,
    `     Type : ${type}`,
    `     Auteur / author: ${by}   Date : ${d.date ?? NONE}`,
    `     Fichier / file: ${d.file || NONE} (${d.mimeType ?? NONE})`,
    `     Taille / size: ${check(d.sizeOk)}   Empreinte SHA-1 / hash: ${check(d.hashOk)}`,
  ];
}

export function formatXdmReading(r: XdmReading): string[] {
  const lines = [...patientLines(r.patient), "", `Documents (${r.documents.length}) :`];
  for (const [i, d] of r.documents.entries()) lines.push(...documentLines(d, i));
  lines.push("", r.problems.length === 0 ? "Aucun problème / No problem." : `Problèmes / problems (${r.problems.length}) :`);
  for (const p of r.problems)
    lines.push(`  - ${p.fatal ? "BLOQUANT / FATAL " : ""}[${p.code}] ${p.fr} / ${p.en}${p.file ? ` (${p.file})` : ""}`);
  return lines;
}
