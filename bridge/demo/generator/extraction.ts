/**
 * Deterministic generator of a realistic synthetic MSSanté directory extraction, in the exact
 * published format (31 columns, '|'-separated, one header line, UTF-8, file named
 * Extraction_Correspondance_MSSante_<AAAAMMJJhhmm>.txt), at any size, for tests, the demo and the
 * benchmarks. Same seed and options → byte-identical output.
 *
 *   node --import tsx scripts/generate-directory.ts [--lines N] [--seed S] [--out DIR]
 *        [--date AAAAMMJJhhmm] [--zip] [--fixtures FILE.json]
 *
 * This module writes the lines, the file and the ZIP; the word tables are in words.ts, the
 * geography in geography.ts, the mailboxes in mailboxes.ts.
 *
 * Proportions follow the 2026 extraction: ~85% PER lines, ~15% ORG, a few APP/CAB; about one
 * personal address in twelve has several lines (several practice situations).
 *
 * Variety is close to the real file's, since the index's size, the import's memory and the search
 * latency depend on it: a fixed synthetic geography (~35,000 communes over the 101 departments,
 * postal codes consistent with their department, 2A/2B in Corsica, 97x overseas, big cities far
 * more frequent; the routing line written now in full, now the La Poste way "42000 ST ETIENNE"),
 * ~9,000 establishments (CHU, hospitals, clinics, laboratories, EHPAD…, ~5,000 mail domains), and
 * street lines drawn from a large space (people, saints, dates, trees, places, lieux-dits, roads to
 * other communes) with numbers, BIS/TER. A full-size run has ~250,000 distinct street names (type +
 * name, what the index keeps; ~310,000 with the numbers), ~29,000 communes in ~37,000 distinct
 * routing lines, ~5,000 domains. The geography does not depend on the seed; the mailboxes do.
 */
import { createWriteStream, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";
import yazl from "yazl";
import { ALL_COLUMNS } from "../../directory/import/columns.ts";
import { Rng } from "./random.ts";
import { DirectoryFaker, type Row } from "./mailboxes.ts";

export const FULL_SIZE_LINES = 536_000;

/** A mailbox to place in the extraction at a known spot (tests, e2e, demo). */
export interface FixtureEntry {
  type?: "PER" | "ORG" | "APP" | "CAB";
  email: string;
  /** idNat, e.g. "8" + RPPS (11 digits). */
  idNat?: string | null;
  surname?: string | null;
  givenName?: string | null;
  civility?: string | null;
  profession?: string | null;
  professionCode?: string | null;
  specialty?: string | null;
  /** One line per place. */
  places?: {
    organisation?: string | null;
    service?: string | null;
    street?: string | null;
    city?: string | null;
    postalCode?: string | null;
    department?: string | null;
  }[];
}

export interface GenerateOptions {
  lines?: number;
  seed?: number;
  /** AAAAMMJJhhmm used in the file name. */
  date?: string;
  fixtures?: FixtureEntry[];
}

// ---- file names and dates ---------------------------------------------------------------------------
export function extractionFileName(date: string): string {
  return `Extraction_Correspondance_MSSante_${date}.txt`;
}

/**
 * The date written when none is given: fixtures that must stay byte-identical (tests, benchmarks)
 * keep it, and nothing compares it with today. Anything a person or a test sees as "today's
 * directory" (the end-to-end environment, the demo) is dated at run time with extractionStamp().
 */
export const FIXED_EXTRACTION_DATE = "202611230300";

/** "AAAAMMJJhhmm" in UTC, as the published file's name dates it: an extraction made at `at`. */
export function extractionStamp(at: Date): string {
  const iso = at.toISOString(); // 2026-11-23T03:00:12.345Z
  return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16);
}

// ---- lines ----------------------------------------------------------------------------------------

const COLUMN_COUNT = ALL_COLUMNS.length;
const UNSAFE = /[|\r\n]/;

function formatRow(r: Row): string {
  const rpps = r.idNat.startsWith("8") ? r.idNat.slice(1) : "";
  const p = r.place;
  const cols: string[] = [
    r.type,
    r.email,
    r.idNat ? (rpps ? "8" : r.idNat.slice(0, 1)) : "",
    rpps || r.idNat.slice(1),
    r.idNat,
    p.structureType,
    p.structureId,
    p.service,
    r.civility,
    r.surname,
    r.givenName,
    r.professionCode ? "C" : "",
    r.professionCode ? "Civil" : "",
    r.professionCode,
    r.profession,
    r.skillCode,
    r.skill,
    "",
    p.organisation,
    "",
    p.l2 ?? "",
    p.l3 ?? "",
    p.number,
    p.complement ?? "",
    p.streetType,
    p.streetName,
    p.l5 ?? "",
    p.cityLine ?? (p.city ? `${p.postalCode} ${p.city.toUpperCase()}` : ""),
    p.postalCode,
    p.department,
    p.city || p.cityLine ? "FRANCE" : "",
  ];
  if (cols.length !== COLUMN_COUNT) throw new Error("generator column count mismatch");
  for (let i = 0; i < cols.length; i++) if (UNSAFE.test(cols[i]!)) cols[i] = cols[i]!.replace(/[|\r\n]/g, " ");
  return cols.join("|");
}

function fixtureRows(f: FixtureEntry): string[] {
  const places = f.places?.length ? f.places : [{}];
  return places.map((p) =>
    formatRow({
      type: f.type ?? "PER",
      email: f.email,
      idNat: f.idNat ?? "",
      civility: f.civility ?? "",
      surname: f.surname ?? "",
      givenName: f.givenName ?? "",
      professionCode: f.professionCode ?? (f.profession ? "10" : ""),
      profession: f.profession ?? "",
      skillCode: f.specialty ? "SM00" : "",
      skill: f.specialty ?? "",
      place: {
        organisation: p.organisation ?? "",
        service: p.service ?? "",
        number: "",
        streetType: "",
        streetName: p.street ?? "",
        city: p.city ?? "",
        postalCode: p.postalCode ?? "",
        department: p.department ?? (p.postalCode ? p.postalCode.slice(0, 2) : ""),
        structureType: "",
        structureId: "",
      },
    }),
  );
}

/** The header line and the data lines (without line ends), in order. Deterministic. */
export function* extractionLines(opts: GenerateOptions = {}): Generator<string> {
  const total = Math.max(0, Math.floor(opts.lines ?? 2000));
  const gen = new DirectoryFaker(opts.seed ?? 1);
  const fixtures = opts.fixtures ?? [];
  for (const f of fixtures) gen.reserve(f.email);
  yield ALL_COLUMNS.join("|");
  // Fixtures are spread through the file (not all at the start) so merging and ranking see them
  // among ordinary lines.
  const fixtureLines = fixtures.map(fixtureRows);
  const fixtureCount = fixtureLines.reduce((n, l) => n + l.length, 0);
  const generated = Math.max(0, total - fixtureCount);
  const step = fixtureLines.length ? Math.max(1, Math.floor(generated / (fixtureLines.length + 1))) : Infinity;
  let nextFixture = 0;
  let emitted = 0;
  const rng = new Rng((opts.seed ?? 1) ^ 0x5eed);
  while (emitted < generated) {
    while (nextFixture < fixtureLines.length && emitted >= step * (nextFixture + 1)) {
      yield* fixtureLines[nextFixture++]!;
    }
    const u = rng.float();
    const rows = u < 0.836 ? gen.per().map(formatRow) : [formatRow(gen.org(u < 0.996 ? "ORG" : u < 0.998 ? "APP" : "CAB"))];
    for (const row of rows) {
      if (emitted >= generated) break;
      yield row;
      emitted++;
    }
  }
  while (nextFixture < fixtureLines.length) yield* fixtureLines[nextFixture++]!;
}

export interface GeneratedFile {
  file: string;
  lines: number;
  bytes: number;
}

/** Streams the extraction's lines into `out` in 4,096-line chunks, honouring back-pressure. */
async function pipeLines(out: NodeJS.WritableStream, opts: GenerateOptions): Promise<{ lines: number; bytes: number }> {
  const chunks: string[] = [];
  let lines = 0;
  let bytes = 0;
  const flush = async () => {
    const s = `${chunks.join("\n")}\n`;
    chunks.length = 0;
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, "drain");
  };
  for (const line of extractionLines(opts)) {
    chunks.push(line);
    lines++;
    if (chunks.length >= 4096) await flush();
  }
  if (chunks.length) await flush();
  return { lines, bytes };
}

/** Writes the extraction (LF line ends, like the published file) into `dir`. */
export async function writeExtraction(dir: string, opts: GenerateOptions & { zip?: boolean } = {}): Promise<GeneratedFile> {
  mkdirSync(dir, { recursive: true });
  const date = opts.date ?? FIXED_EXTRACTION_DATE;
  const txtName = extractionFileName(date);
  if (opts.zip) {
    const zipFile = path.join(dir, txtName.replace(/\.txt$/, ".zip"));
    const zip = new yazl.ZipFile();
    const { PassThrough } = await import("node:stream");
    const pass = new PassThrough();
    zip.addReadStream(pass, txtName, { compress: true, mtime: new Date(0) });
    const out = createWriteStream(zipFile);
    zip.outputStream.pipe(out);
    zip.end();
    const counted = await pipeLines(pass, opts);
    pass.end();
    await once(out, "close");
    return { file: zipFile, ...counted };
  }
  const file = path.join(dir, txtName);
  const out = createWriteStream(file);
  const counted = await pipeLines(out, opts);
  out.end();
  await once(out, "close");
  return { file, ...counted };
}

/**
 * `generateExtraction({lines, seed, fixtures, zip, dir})` → the written file (in `dir`, else a new
 * temporary directory). For a stream of lines instead, use extractionLines(opts).
 */
export async function generateExtraction(opts: GenerateOptions & { zip?: boolean; dir?: string } = {}): Promise<GeneratedFile> {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), "mss-extraction-"));
  return writeExtraction(dir, opts);
}
