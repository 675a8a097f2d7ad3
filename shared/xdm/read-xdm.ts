/**
 * The IHE XDM reader (pure; the extension and the bridge run it alike): from the bytes of an
 * `IHE_XDM.zip` (IHE ITI TF-1 16, TF-3 4.2.2.1 — `IHE_XDM/SUBSETnn/METADATA.XML` and the documents
 * it names, `INDEX.HTM` and `README.TXT` at the root) to the patient, one line per document with
 * its size and SHA-1 hash checked against the file, and the problems found. Never throws: a hostile
 * or broken archive gives a fatal problem and empty results.
 */
import { type EntryMetadata, readSubsetMetadata } from "./ebrim-metadata.ts";
import { insHeaderVerdict } from "./ins.ts";
import { DEFAULT_ZIP_LIMITS, isSafeEntryPath, unzipSafely, type ZipLimits } from "./safe-unzip.ts";
import { sha1Hex } from "./sha1.ts";
import { patientOf, type XdmPatient } from "./xdm-patient.ts";
import { XdmFailure, type XdmProblem, xdmProblem } from "./xdm-problems.ts";
import { parseXml } from "./xml-tree.ts";

export interface XdmDocument {
  /** The document's path inside the archive. */
  file: string;
  typeCode: string | null;
  typeLabel: string | null;
  title: string | null;
  author: string | null;
  organisation: string | null;
  date: string | null;
  mimeType: string | null;
  /** null when the metadata give no size, or the file is missing. */
  sizeOk: boolean | null;
  hashOk: boolean | null;
}

export interface XdmReading {
  patient: XdmPatient;
  documents: XdmDocument[];
  problems: XdmProblem[];
}

export interface XdmReadOptions {
  /** The message's `X-MSS-INS` header (O/N), to cross-check; absent: no check. */
  insHeader?: string | null;
  zipLimits?: ZipLimits;
}

const NO_PATIENT: XdmPatient = { ins: null, insOid: null, qualified: null, family: null, given: null, birthDate: null, sex: null };

const METADATA_PATH = /^IHE_XDM\/([^/]+)\/METADATA\.XML$/i;

interface Subset {
  dir: string;
  entries: EntryMetadata[];
  setPatientId: string | null;
}

function subsets(files: Map<string, Uint8Array>): Subset[] {
  const found: Subset[] = [];
  for (const [name, bytes] of files) {
    if (!METADATA_PATH.test(name)) continue;
    const meta = readSubsetMetadata(parseXml(bytes, name), name);
    found.push({ dir: name.slice(0, name.lastIndexOf("/") + 1), entries: meta.entries, setPatientId: meta.submissionSetPatientId });
  }
  if (found.length === 0) throw new XdmFailure(xdmProblem("METADATA_MISSING"));
  return found;
}

async function checkedDocument(e: EntryMetadata, dir: string, byUpper: Map<string, string>, files: Map<string, Uint8Array>) {
  const problems: XdmProblem[] = [];
  const path = e.uri === null ? null : dir + e.uri;
  const doc: XdmDocument = {
    file: path ?? "",
    typeCode: e.typeCode,
    typeLabel: e.typeLabel,
    title: e.title,
    author: e.author,
    organisation: e.organisation,
    date: e.date,
    mimeType: e.mimeType,
    sizeOk: null,
    hashOk: null,
  };
  if (path === null) return { doc, problems: [xdmProblem("DOCUMENT_NO_URI")] };
  if (!isSafeEntryPath(e.uri!)) return { doc, problems: [xdmProblem("DOCUMENT_UNSAFE_URI")] };
  const actual = byUpper.get(path.toUpperCase());
  const bytes = actual === undefined ? undefined : files.get(actual);
  if (actual === undefined || bytes === undefined) return { doc, problems: [xdmProblem("DOCUMENT_FILE_MISSING", path)] };
  doc.file = actual;
  if (e.size !== null) doc.sizeOk = e.size === bytes.length;
  if (e.hash !== null) doc.hashOk = e.hash === (await sha1Hex(bytes));
  if (doc.sizeOk === false) problems.push(xdmProblem("DOCUMENT_SIZE_MISMATCH", actual));
  if (doc.hashOk === false) problems.push(xdmProblem("DOCUMENT_HASH_MISMATCH", actual));
  return { doc, problems };
}

function headerProblems(header: string | null | undefined, patient: XdmPatient): XdmProblem[] {
  if (header === undefined || header === null) return [];
  const verdict = insHeaderVerdict(header, patient.qualified);
  if (verdict === "invalid") return [xdmProblem("INS_HEADER_INVALID")];
  return verdict === "contradicts" ? [xdmProblem("INS_HEADER_CONTRADICTION")] : [];
}

async function readFiles(files: Map<string, Uint8Array>, options: XdmReadOptions): Promise<XdmReading> {
  const found = subsets(files);
  const byUpper = new Map([...files.keys()].map((k) => [k.toUpperCase(), k]));
  const allEntries = found.flatMap((s) => s.entries);
  const setIds = found.map((s) => s.setPatientId).filter((x) => x !== null);
  // Two patients anywhere (two entries, an entry and a SubmissionSet, two subsets) contradict.
  const { patient, problems } = patientOf(allEntries, setIds);
  const documents: XdmDocument[] = [];
  for (const s of found) {
    for (const e of s.entries) {
      const r = await checkedDocument(e, s.dir, byUpper, files);
      documents.push(r.doc);
      problems.push(...r.problems);
    }
  }
  if (documents.length === 0) problems.push(xdmProblem("METADATA_NO_DOCUMENT"));
  problems.push(...headerProblems(options.insHeader, patient));
  return { patient, documents, problems };
}

/** The archive's reading and its files (to open a document), or empty files and a fatal problem. */
export async function readXdmArchive(
  bytes: Uint8Array,
  options: XdmReadOptions = {},
): Promise<{ reading: XdmReading; files: Map<string, Uint8Array> }> {
  try {
    const files = unzipSafely(bytes, options.zipLimits ?? DEFAULT_ZIP_LIMITS);
    return { reading: await readFiles(files, options), files };
  } catch (e) {
    const problem = e instanceof XdmFailure ? e.problem : xdmProblem("UNEXPECTED");
    return { reading: { patient: { ...NO_PATIENT }, documents: [], problems: [problem] }, files: new Map() };
  }
}

/** True when a problem stops the reading (the command line's exit 3). */
export function unreadable(reading: XdmReading): boolean {
  return reading.problems.some((p) => p.fatal);
}
