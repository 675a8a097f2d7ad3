/**
 * `mss-bridge xdm build --pdf FILE --patient PATIENT.json --type CODE --out ARCHIVE.zip [author
 * options]`: builds an IHE_XDM.zip with the builder the extension runs (shared/xdm/build-xdm.ts),
 * writes it and the PDF to attach beside it (named per ECO.2.1.6, in the archive's folder), and
 * prints the subject and the X-MSS headers the message must carry. Bad input (an INS key, an
 * unknown type, a missing trait…) is exit 3 with each reason, French then English, on stderr;
 * a file that cannot be read or written is exit 4. stdout holds the subject (patient data, what
 * the command is for); stderr never holds a value of the input.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { mssIdentityHeaders } from "../../shared/domain/mss-identity-headers.ts";
import { buildXdmArchive } from "../../shared/xdm/build-xdm.ts";
import type { XdmBuildInput, XdmPatientInput } from "../../shared/xdm/xdm-build-input.ts";
import { CliError, Exit, err, out } from "./common.ts";

/** A message is at most 25 MB; the PDF travels twice (attached, and in the CDA inside the archive), base64 each time. */
const MAX_PDF_BYTES = 9 * 1024 * 1024;
const PATIENT_FIELDS = ["ins", "insOid", "qualified", "localId", "localOid", "family", "given", "birthDate", "sex"];

export interface XdmBuildOptions {
  pdf: string;
  patient: string;
  type: string;
  out: string;
  authorId?: string;
  authorFamily?: string;
  authorGiven?: string;
  authorPrefix?: string;
  authorProfession?: string;
  organisationName?: string;
  organisationId?: string;
  title?: string;
  actDate?: string;
  fileNumber?: string;
  facilityType?: string;
  json?: boolean;
}

function readFile(file: string, max: number, what: [string, string]): Uint8Array {
  try {
    if (statSync(file).size > max) throw new CliError(Exit.BAD_INPUT, `mss-bridge: ${what[0]} trop volumineux / ${what[1]} too large.`);
    return readFileSync(file);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(
      Exit.UNAVAILABLE,
      `mss-bridge: ${what[0]} illisible / ${what[1]} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}).`,
    );
  }
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** PATIENT.json as the builder takes it; exit 3 when it is not a JSON object of the known fields. */
export function patientFromJson(text: string): XdmPatientInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(Exit.BAD_INPUT, "mss-bridge: PATIENT.json n'est pas du JSON valide / PATIENT.json is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new CliError(Exit.BAD_INPUT, "mss-bridge: PATIENT.json doit être un objet JSON / PATIENT.json must be a JSON object.");
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !PATIENT_FIELDS.includes(k));
  if (unknown.length > 0)
    throw new CliError(
      Exit.BAD_INPUT,
      `mss-bridge: PATIENT.json : champ inconnu / unknown field: ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(", ")}.`,
    );
  if (typeof o.qualified !== "boolean")
    throw new CliError(
      Exit.BAD_INPUT,
      'mss-bridge: PATIENT.json : « qualified » doit valoir true ou false / "qualified" must be true or false.',
    );
  return {
    ins: str(o.ins),
    insOid: str(o.insOid),
    qualified: o.qualified,
    localId: str(o.localId),
    localOid: str(o.localOid),
    family: str(o.family) ?? "",
    given: str(o.given) ?? "",
    birthDate: str(o.birthDate) ?? "",
    sex: str(o.sex) ?? "",
  };
}

function inputOf(opts: XdmBuildOptions): XdmBuildInput {
  const pdf = readFile(opts.pdf, MAX_PDF_BYTES, ["PDF", "PDF"]);
  const patient = patientFromJson(new TextDecoder().decode(readFile(opts.patient, 64 * 1024, ["PATIENT.json", "PATIENT.json"])));
  return {
    pdf,
    typeCode: opts.type,
    title: opts.title ?? null,
    actDate: opts.actDate ?? null,
    fileNumber: opts.fileNumber ?? null,
    facilityTypeCode: opts.facilityType ?? null,
    patient,
    author: {
      id: opts.authorId ?? "",
      family: opts.authorFamily ?? "",
      given: opts.authorGiven ?? "",
      prefix: opts.authorPrefix ?? null,
      profession: opts.authorProfession ?? null,
      organisationName: opts.organisationName ?? null,
      organisationId: opts.organisationId ?? null,
    },
  };
}

function write(file: string, bytes: Uint8Array): void {
  try {
    writeFileSync(file, bytes);
  } catch (e) {
    throw new CliError(
      Exit.UNAVAILABLE,
      `mss-bridge: ${file}: écriture impossible / cannot be written (${(e as NodeJS.ErrnoException).code ?? "error"}).`,
    );
  }
}

export async function xdmBuildCommand(opts: XdmBuildOptions): Promise<number> {
  const result = await buildXdmArchive(inputOf(opts), { now: () => new Date(), uuid: randomUUID });
  if (!result.ok) {
    for (const r of result.reasons) err(`mss-bridge: xdm build: ${r.fr} / ${r.en} (${r.code}).`);
    return Exit.BAD_INPUT;
  }
  const pdfPath = path.join(path.dirname(path.resolve(opts.out)), result.pdf.name);
  write(opts.out, result.archive);
  write(pdfPath, result.pdf.bytes);
  for (const w of result.warnings) err(`mss-bridge: xdm build: attention / warning: ${w.fr} / ${w.en} (${w.code}).`);
  const headers = { ...mssIdentityHeaders(), ...result.headers };
  if (opts.json) {
    const warnings = result.warnings.map((w) => w.code);
    out(JSON.stringify({ archive: path.resolve(opts.out), pdf: pdfPath, subject: result.subject, headers, warnings }, null, 2));
    return Exit.OK;
  }
  out(`Archive : ${path.resolve(opts.out)}`);
  out(`PDF à joindre / PDF to attach : ${pdfPath}`);
  out(`Objet / Subject : ${result.subject}`);
  out("En-têtes / Headers :");
  for (const [k, v] of Object.entries(headers)) out(`  ${k}: ${v}`);
  if (!("X-MSS-NIL" in headers))
    out("  (X-MSS-NIL omis : produit non encore déclaré à l'ANS / X-MSS-NIL left out: product not declared to ANS yet)");
  return Exit.OK;
}
