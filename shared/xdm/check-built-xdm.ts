/**
 * The checks an archive passes before it is sent (pure): structural checks in code — the required
 * files, every registry id unique and every reference resolved, uniqueIds and sourceId as OIDs,
 * each document's size and SHA-1 against its file, one patientId, the expected one — then a round
 * trip through the reader (read-xdm.ts, read-cda.ts), which must give back exactly the patient,
 * the documents and the PDF that went in. An empty list: the archive can be sent.
 */
import { readCda } from "./read-cda.ts";
import { readXdmArchive } from "./read-xdm.ts";
import { unzipSafely } from "./safe-unzip.ts";
import { sha1Hex } from "./sha1.ts";
import { isOid } from "./uuid-oid.ts";
import type { XdmPatient } from "./xdm-patient.ts";
import { parseXml, textOf, type XmlElement } from "./xml-tree.ts";

export interface XdmExpectation {
  patient: XdmPatient;
  /** The type code of each document, in order. */
  typeCodes: string[];
  /** The PDF each document wraps, in order. */
  pdfs: Uint8Array[];
}

export const REQUIRED_FILES = ["INDEX.HTM", "README.TXT", "IHE_XDM/SUBSET01/METADATA.XML"];

const UNIQUE_ID_SCHEMES = new Set([
  "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab",
  "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8",
  "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832",
]);
const PATIENT_ID_SCHEMES = new Set(["urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427", "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"]);
/** Problems the reader reports that a correct archive may still carry. */
const ACCEPTED_PROBLEMS = new Set(["INS_TEST", "INS_NOT_QUALIFIED"]);

function walk(el: XmlElement, out: XmlElement[] = []): XmlElement[] {
  out.push(el);
  for (const c of el.children) if (typeof c !== "string") walk(c, out);
  return out;
}

function slotValue(el: XmlElement, name: string): string | null {
  const slot = el.children.find((c): c is XmlElement => typeof c !== "string" && c.name === "Slot" && c.attrs.name === name);
  const value = slot ? walk(slot).find((x) => x.name === "Value") : undefined;
  return value ? textOf(value).trim() : null;
}

function idProblems(all: XmlElement[]): string[] {
  const out: string[] = [];
  const ids = all.map((el) => el.attrs.id).filter((id): id is string => id !== undefined);
  if (new Set(ids).size !== ids.length) out.push("two registry objects share an id");
  const known = new Set(ids);
  for (const el of all)
    for (const ref of ["classifiedObject", "registryObject", "sourceObject", "targetObject"])
      if (el.attrs[ref] !== undefined && !known.has(el.attrs[ref])) out.push(`${el.name}.${ref} names no object`);
  for (const el of all.filter((x) => x.name === "ExternalIdentifier"))
    if (UNIQUE_ID_SCHEMES.has(el.attrs.identificationScheme ?? "") && !isOid(el.attrs.value ?? ""))
      out.push("a uniqueId or sourceId is not an OID");
  return out;
}

async function documentProblems(all: XmlElement[], files: Map<string, Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for (const eo of all.filter((x) => x.name === "ExtrinsicObject")) {
    const uri = slotValue(eo, "URI");
    const bytes = uri === null ? undefined : files.get(`IHE_XDM/SUBSET01/${uri}`);
    if (bytes === undefined) {
      out.push("a document named by the metadata is missing");
      continue;
    }
    if (slotValue(eo, "size") !== String(bytes.length)) out.push("a document's size differs from the metadata");
    if (slotValue(eo, "hash") !== (await sha1Hex(bytes))) out.push("a document's SHA-1 differs from the metadata");
  }
  return out;
}

function patientProblems(all: XmlElement[], patient: XdmPatient): string[] {
  const values = all
    .filter((x) => x.name === "ExternalIdentifier" && PATIENT_ID_SCHEMES.has(x.attrs.identificationScheme ?? ""))
    .map((x) => x.attrs.value ?? "");
  const want = `${patient.ins}^^^&${patient.insOid}&ISO`;
  if (values.length < 2) return ["a patientId is missing (SubmissionSet or DocumentEntry)"];
  return values.every((v) => v === want) ? [] : ["a patientId differs from the patient's"];
}

async function roundTripProblems(archive: Uint8Array, files: Map<string, Uint8Array>, expected: XdmExpectation): Promise<string[]> {
  const out: string[] = [];
  const { reading } = await readXdmArchive(archive);
  if (reading.problems.some((p) => !ACCEPTED_PROBLEMS.has(p.code)))
    out.push(`the reader reports ${reading.problems.map((p) => p.code).join(", ")}`);
  if (JSON.stringify(reading.patient) !== JSON.stringify(expected.patient)) out.push("the reader reads another patient");
  if (reading.documents.length !== expected.typeCodes.length) return [...out, "the reader reads another number of documents"];
  for (const [i, d] of reading.documents.entries()) {
    if (d.typeCode !== expected.typeCodes[i] || d.sizeOk !== true || d.hashOk !== true) out.push("the reader reads a document otherwise");
    const cda = readCda(files.get(d.file) ?? new Uint8Array(), d.file);
    const pdf = cda.body?.kind === "pdf" ? cda.body.pdf : null;
    const want = expected.pdfs[i];
    if (
      cda.code !== expected.typeCodes[i] ||
      pdf === null ||
      want === undefined ||
      pdf.length !== want.length ||
      !pdf.every((b, j) => b === want[j])
    )
      out.push("the CDA does not give back the PDF");
  }
  return out;
}

/** What is wrong with a built archive (English, for logs and tests: no value of the archive); empty when nothing is. */
export async function checkBuiltXdm(archive: Uint8Array, expected: XdmExpectation): Promise<string[]> {
  let files: Map<string, Uint8Array>;
  try {
    files = unzipSafely(archive);
  } catch {
    return ["the archive cannot be unzipped"];
  }
  const missing = REQUIRED_FILES.filter((f) => !files.has(f)).map((f) => `${f} is missing`);
  const metadata = files.get("IHE_XDM/SUBSET01/METADATA.XML");
  if (metadata === undefined) return missing;
  let all: XmlElement[];
  try {
    all = walk(parseXml(metadata));
  } catch {
    return [...missing, "METADATA.XML cannot be parsed"];
  }
  return [
    ...missing,
    ...idProblems(all),
    ...(await documentProblems(all, files)),
    ...patientProblems(all, expected.patient),
    ...(await roundTripProblems(archive, files, expected)),
  ];
}
