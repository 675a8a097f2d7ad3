/**
 * Import orchestration: source (.txt, .zip or URL) → parse → build → write a new index file →
 * atomic rename over the old one. Any failure leaves the previous index file untouched and is
 * reported as an ImportError saying why and what to do.
 */
import { mkdirSync, openSync, readSync, closeSync, statSync, unlinkSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { IndexBuilder } from "../index/build-index.ts";
import { INDEX_FORMAT_VERSION, writeIndexFile, type IndexMeta } from "../index/index-file.ts";
import { downloadToFile } from "./download.ts";
import { ImportError, ioError } from "./import-error.ts";
import { openExtractionInZip, type ZipEntryStream } from "./zip.ts";
import { parseExtraction, type ParsedExtraction } from "./parse-extraction.ts";
import { buildWithThreads, defaultParts, parseFileInParts, parseZipInParts } from "./import-threads.ts";

export type ImportPhase = "download" | "parse" | "index" | "done" | "failed";

export interface ImportOptions {
  /** File path or http(s) URL (from configuration or the command line only). */
  source: string;
  /** Index file to replace. */
  dbPath: string;
  proxy?: string | null;
  extraCaFile?: string | null;
  onProgress?: (phase: ImportPhase, done: number, total: number | null, message: string | null) => void;
  env?: NodeJS.ProcessEnv;
  /** Parse in this many parts at once (default: one per core, see import-threads.ts; tests force it). */
  parts?: number;
  /**
   * Refuse an extraction with fewer mailboxes than this (the caller passes half of the index it
   * replaces): a file cut exactly at a line end cannot be told from a complete one otherwise.
   */
  minCount?: number;
}

export interface ImportSummary {
  meta: IndexMeta;
  sizeBytes: number;
  elapsedMs: number;
  /** CPU time of the importing process (user + system), to tell work from waiting on a busy machine. */
  cpuMs: number;
  /** Peak resident memory of the importing process so far (bytes). */
  peakRssBytes: number;
}

/** "Extraction_Correspondance_MSSante_202611230312.txt" → "2026-11-23T03:12:00Z" (the file's date). */
export function sourceDateFromName(name: string | null): string | null {
  const m = name ? /(20\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(name) : null;
  if (!m) return null;
  const [, y, mo, d, h, mi] = m;
  const date = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!));
  if (Number.isNaN(date.getTime()) || date.getUTCMonth() !== +mo! - 1) return null;
  return date.toISOString().replace(".000Z", "Z");
}

function isZipFile(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, 0);
    return n === 4 && b.readUInt32LE(0) === 0x04034b50;
  } finally {
    closeSync(fd);
  }
}

export async function importExtraction(opts: ImportOptions): Promise<ImportSummary> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const progress = opts.onProgress ?? (() => {});
  const dir = path.dirname(path.resolve(opts.dbPath));
  let downloaded: string | null = null;
  let inflated: string | null = null;
  try {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw ioError(e, "creating the index directory");
    }
    let file = opts.source;
    let name: string | null = path.basename(opts.source);
    if (/^https?:\/\//i.test(opts.source)) {
      downloaded = path.join(dir, `.download-${process.pid}-${randomBytes(4).toString("hex")}`);
      progress("download", 0, null, null);
      const d = await downloadToFile(opts.source, downloaded, {
        proxy: opts.proxy ?? null,
        extraCaFile: opts.extraCaFile ?? null,
        onProgress: (done, total) => progress("download", done, total, null),
        env: opts.env,
      });
      file = downloaded;
      name = d.name;
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(opts.source)) {
      throw new ImportError("input", `Unsupported source ${opts.source}: give a file, a .zip or an http(s) URL.`);
    }
    let size: number;
    let zip: ZipEntryStream | null = null;
    try {
      const st = statSync(file);
      if (st.isDirectory()) throw new ImportError("input", `${file} is a directory; give the extraction file or its ZIP.`);
      size = st.size;
      if (size === 0) throw new ImportError("input", "The extraction file is empty (0 bytes). Download it again.");
      if (isZipFile(file)) {
        zip = await openExtractionInZip(file);
        name = zip.name;
        size = zip.size;
      }
    } catch (e) {
      throw ioError(e, "opening the extraction");
    }
    const partCount = opts.parts ?? defaultParts(size);
    const builder = new IndexBuilder({ expectedBytes: size });
    let parsed: ParsedExtraction;
    progress("parse", 0, size, null);
    const onBytes = (b: number) => progress("parse", b, size, null);
    if (zip && partCount > 1) {
      // Parts need a file to seek in: a worker thread inflates the extraction beside the index
      // while this one parses its start (import-threads.ts); removed once the import is over.
      zip.close();
      inflated = path.join(dir, `.extraction-${process.pid}-${randomBytes(4).toString("hex")}.txt`);
      parsed = await parseZipInParts(file, size, inflated, builder, { parts: partCount, onBytes });
    } else if (zip) {
      parsed = await parseExtraction(zip.stream, builder, onBytes);
    } else {
      parsed = await parseFileInParts(file, size, builder, { parts: partCount, onBytes });
    }
    if (opts.minCount && parsed.count < opts.minCount) {
      throw new ImportError(
        "input",
        `The extraction holds only ${parsed.count} mailboxes, less than half of the current directory: it is probably truncated. Download it again.`,
      );
    }
    progress("index", 0, parsed.count, null);
    const parts = await buildWithThreads(builder, partCount, (d, t) => progress("index", d, t, null));
    const meta: IndexMeta = {
      formatVersion: INDEX_FORMAT_VERSION,
      sourceDate: sourceDateFromName(name),
      sourceName: name,
      builtAt: new Date().toISOString(),
      count: parsed.count,
      lines: parsed.lines,
      tokens: parts.dict.length,
      warnings: parsed.warnings,
    };
    let sizeBytes: number;
    try {
      sizeBytes = writeIndexFile(opts.dbPath, parts, meta);
    } catch (e) {
      throw ioError(e, "writing the new index");
    }
    progress("done", meta.count, meta.count, null);
    const cpu = process.cpuUsage(cpu0);
    return {
      meta,
      sizeBytes,
      elapsedMs: performance.now() - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } catch (e) {
    const err = ioError(e, "importing");
    progress("failed", 0, null, err.message);
    throw err;
  } finally {
    for (const f of [downloaded, inflated]) {
      if (!f) continue;
      try {
        unlinkSync(f);
      } catch {
        /* already gone */
      }
    }
  }
}
