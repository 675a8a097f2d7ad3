/**
 * The directory import on every core (import-worker.ts runs the other threads' jobs):
 * - `parseFileInParts`: one part of the file per core (at most MAX_PARTS); this thread parses the
 *   first part (and the header), worker threads the others, each into its own IndexBuilder; then
 *   this thread absorbs the parts in file order;
 * - `parseZipInParts`: the same while a worker thread inflates a ZIP's extraction beside the index,
 *   the first part parsed behind it (growing-file.ts), the others once it is complete;
 * - `buildWithThreads`: the index build, with the names' collation ranks computed in a worker
 *   thread while this one sorts the dictionary and the nameless mailboxes' e-mails, then the
 *   entries packed in a worker while this one builds the posting lists.
 * The index is the one a single thread gives, byte for byte (build-index.ts, `absorb`; a test
 * checks it). Why: one thread took 10–11 s for the full-size extraction, two 7 s
 * (bench:directory; docs/decisions.md). Parts start at line starts found near equal byte offsets;
 * a file whose header cannot be read here, or that is small, is parsed in one pass, which reports
 * any problem as before.
 */
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { Readable } from "node:stream";
import { availableParallelism } from "node:os";
import { startWorker } from "../../platform/child-entry.ts";
import type { BuilderPart, EntryColumns, IndexBuilder, IndexParts, JoinedList, PackedEntries } from "../index/build-index.ts";
import { HeaderError, readHeader, type HeaderMap } from "./columns.ts";
import { GrowingFile, readGrowing } from "./growing-file.ts";
import { ImportError } from "./import-error.ts";
import { checkParsed, parseExtraction, parseLines, type ParsedExtraction } from "./parse-extraction.ts";

/** Below this much text per part, a worker thread costs more than it saves. */
export const MIN_PART_BYTES = 8 * 1024 * 1024;
/** More parts than this gain little (the absorbing and the build stay on one core). */
export const MAX_PARTS = 4;
/**
 * This thread's part is a little larger than the others: a worker's part still has to be handed
 * over when it is parsed (measured at full size: without it, the worker finished 0.24 s later).
 */
const FIRST_PART_WEIGHT = 1.05;
/**
 * The same while the file is still being inflated from its ZIP: this thread parses as the bytes
 * come, the workers start once the whole file is there (inflating took ~13% of the parsing time
 * at full size, 1.25 s against 9.6 s of parsing, on the development VM).
 */
const FIRST_PART_WEIGHT_INFLATING = 1.35;
/** How much of the file's start holds the header line for sure. */
const HEADER_WINDOW = 1024 * 1024;

/** What a worker thread is given (workerData). */
export type WorkerJob =
  | {
      job: "parse-part";
      file: string;
      /** Byte range of whole lines: [start, end). */
      start: number;
      end: number;
      header: HeaderMap;
    }
  | { job: "inflate"; zip: string; to: string }
  | { job: "rank-names"; surnames: JoinedList; givens: JoinedList }
  | { job: "pack-entries"; columns: EntryColumns; order: Uint32Array };

/** What a worker thread sends back. */
export type WorkerMessage =
  | { kind: "bytes"; bytes: number }
  | {
      kind: "done";
      part: BuilderPart;
      lines: number;
      skipped: number;
      problemLines: { line: number; what: string }[];
      physicalLines: number;
    }
  | { kind: "inflated"; bytes: number }
  | { kind: "ranks"; surname: Uint32Array; given: Uint32Array }
  | { kind: "packed"; packed: PackedEntries }
  | { kind: "error"; errorKind: "input" | "io"; message: string };

type PartResult = Extract<WorkerMessage, { kind: "done" }>;
type Ranks = Extract<WorkerMessage, { kind: "ranks" }>;
type Inflated = Extract<WorkerMessage, { kind: "inflated" }>;
type Packed = Extract<WorkerMessage, { kind: "packed" }>;

/** How many parts for a file of `size` bytes on this machine (1: a single pass). */
export function defaultParts(size: number): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_PARTS, Math.floor(size / MIN_PART_BYTES)));
}

function readAt(fd: number, position: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  const n = readSync(fd, b, 0, length, position);
  return b.subarray(0, n);
}

/**
 * The header, read from the file's first line (which `file` must have written: see
 * headerWhenWritten), or null when the file should be parsed in one pass, which says what is
 * wrong with it (no line end in the first MB, binary data, not UTF-8, not the extraction's header).
 */
function readHeaderAt(path: string, size: number): { header: HeaderMap; headerEnd: number } | null {
  const fd = openSync(path, "r");
  try {
    const head = readAt(fd, 0, Math.min(size, HEADER_WINDOW));
    const nl = head.indexOf(0x0a);
    if (nl < 0 || head.includes(0)) return null;
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(0, nl));
      return { header: readHeader(text.endsWith("\r") ? text.slice(0, -1) : text), headerEnd: nl + 1 };
    } catch (e) {
      if (e instanceof HeaderError || e instanceof TypeError) return null;
      throw e;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Where parts 1.. start, in a complete file: each at the first line start at or after its share
 * of the bytes (part 0 weighing `firstWeight` parts, and ending at or after `firstEndAtLeast`).
 * Fewer cuts when the file is too small or its lines too long (over 64 KB: not an extraction).
 */
function cutsFor(path: string, size: number, parts: number, headerEnd: number, firstWeight: number, firstEndAtLeast: number): number[] {
  const fd = openSync(path, "r");
  try {
    const cuts: number[] = [];
    for (let k = 1; k < parts; k++) {
      let at = Math.floor(((firstWeight + k - 1) * size) / (firstWeight + parts - 1));
      if (k === 1) at = Math.max(at, firstEndAtLeast);
      const window = readAt(fd, at, 64 * 1024);
      const i = window.indexOf(0x0a);
      if (i < 0) break;
      const cut = at + i + 1;
      if (cut > headerEnd && cut < size && cut > (cuts[cuts.length - 1] ?? 0)) cuts.push(cut);
    }
    return cuts;
  } finally {
    closeSync(fd);
  }
}

/** Runs one job in a worker thread (its buffers in `transfer` are moved, not copied); resolves with its result message. */
function runJob<T extends WorkerMessage>(
  job: WorkerJob,
  onBytes: (bytes: number) => void,
  signal: AbortSignal,
  transfer: ArrayBuffer[] = [],
): Promise<T> {
  return new Promise((resolve, reject) => {
    // The import process runs with a 32 MB semi-space (run-import.ts); the same for its workers.
    const worker = startWorker("import-worker", {
      workerData: job,
      transferList: transfer,
      resourceLimits: { maxYoungGenerationSizeMb: 96 },
    });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", stop);
      f();
    };
    const stop = () => void worker.terminate();
    signal.addEventListener("abort", stop);
    worker.on("message", (m: WorkerMessage) => {
      if (m.kind === "bytes") onBytes(m.bytes);
      else if (m.kind === "error") settle(() => reject(new ImportError(m.errorKind, m.message)));
      else settle(() => resolve(m as T));
    });
    worker.on("error", (e: Error & { code?: string }) => {
      const why = e.code === "ERR_WORKER_OUT_OF_MEMORY" ? "ran out of memory" : `failed (${e.message})`;
      settle(() => reject(new ImportError("io", `A directory import thread ${why}; the previous directory is still in use.`)));
    });
    worker.on("exit", (code) => {
      settle(() =>
        reject(
          new ImportError(
            "io",
            signal.aborted
              ? "The import was stopped before it finished."
              : `A directory import thread ended early (code ${code}); the previous directory is still in use.`,
          ),
        ),
      );
    });
  });
}

/**
 * Parses `file` (a plain extraction text of `size` bytes) into `builder`, in `parts` parts at once
 * (default: defaultParts). `onBytes` reports bytes consumed over all parts.
 */
export function parseFileInParts(
  file: string,
  size: number,
  builder: IndexBuilder,
  opts: { parts?: number; onBytes?: (bytes: number) => void } = {},
): Promise<ParsedExtraction & { parts: number }> {
  return parseInParts(GrowingFile.complete(file, size), Promise.resolve(), new AbortController(), builder, opts);
}

/**
 * The same for a ZIP's extraction, inflated by a worker thread into `inflateTo` while this thread
 * parses the first part as the bytes come; the other parts start once it is all there. The ZIP's
 * `size` is the inflated size it declares (the inflation fails if it is not).
 */
export function parseZipInParts(
  zip: string,
  size: number,
  inflateTo: string,
  builder: IndexBuilder,
  opts: { parts?: number; onBytes?: (bytes: number) => void } = {},
): Promise<ParsedExtraction & { parts: number }> {
  const file = new GrowingFile(inflateTo, size);
  // Stopped with the parts: a parse that fails early does not wait for the rest of the inflation.
  const abort = new AbortController();
  const inflating = runJob<Inflated>({ job: "inflate", zip, to: inflateTo }, (bytes) => file.advance(bytes), abort.signal).then((m) =>
    file.advance(m.bytes, true),
  );
  return parseInParts(file, inflating, abort, builder, opts);
}

const NEVER = new AbortController().signal;

/**
 * `file` is written by `writing` (already, for a plain file); `abort` stops the writer too. Part 0
 * is parsed here behind the writer, the others in worker threads once the file is complete.
 */
async function parseInParts(
  file: GrowingFile,
  writing: Promise<void>,
  abort: AbortController,
  builder: IndexBuilder,
  opts: { parts?: number; onBytes?: (bytes: number) => void },
): Promise<ParsedExtraction & { parts: number }> {
  const size = file.size;
  const parts = opts.parts ?? defaultParts(size);
  const inflating = !file.done;
  const onePass = async () => {
    await writing;
    const stream = createReadStream(file.path, { highWaterMark: 1024 * 1024 });
    return { ...(await parseExtraction(stream, builder, opts.onBytes)), parts: 1 };
  };
  if (parts < 2) return onePass();
  // A failure anywhere stops the other parts; the one reported is the earliest in the file among
  // those that failed on their own (not because they were stopped), the writer's first.
  const failures: unknown[] = [];
  const fail = (k: number, e: unknown) => {
    if (!abort.signal.aborted) failures[k + 1] = e;
    abort.abort();
    file.wake();
  };
  writing.catch((e: unknown) => fail(-1, e));
  try {
    await file.waitFor(HEADER_WINDOW, abort.signal);
  } catch {
    throw failures.find((f) => f !== undefined) ?? new ImportError("io", "The import was stopped before it finished.");
  }
  const head = readHeaderAt(file.path, Math.min(size, file.written));
  if (!head) return onePass();
  const { header, headerEnd } = head;

  const done: number[] = [0];
  const report = (k: number, bytes: number) => {
    done[k] = bytes;
    opts.onBytes?.(done.reduce((a, b) => a + b, 0));
  };
  // Part 0 here, from the first byte, as far as it is written, up to the first cut once known.
  let cuts: number[] | null = null;
  const first = readGrowing(file, 0, () => cuts?.[0] ?? (cuts ? size : null), abort.signal);
  const firstParsed = parseLines(Readable.from(first.chunks), builder, { onBytes: (b) => report(0, b), signal: abort.signal }).catch(
    (e: unknown) => {
      fail(0, e);
      return null;
    },
  );
  // The others once the whole file is written, in worker threads, cut beyond what part 0 has read.
  const others = writing
    .then(
      () => {
        if (abort.signal.aborted) return [];
        const c = cutsFor(file.path, size, parts, headerEnd, inflating ? FIRST_PART_WEIGHT_INFLATING : FIRST_PART_WEIGHT, first.reserved());
        cuts = c;
        return c.map((start, i) =>
          runJob<PartResult>(
            { job: "parse-part", file: file.path, start, end: c[i + 1] ?? size, header },
            (b) => report(i + 1, b),
            abort.signal,
          ).catch((e: unknown) => {
            fail(i + 1, e);
            return null;
          }),
        );
      },
      () => [],
    )
    .then((jobs) => Promise.all(jobs));
  const [parsed, results] = await Promise.all([firstParsed, others]);
  if (!parsed || results.some((r) => !r) || failures.length) {
    throw failures.find((f) => f !== undefined) ?? new ImportError("io", "The import was stopped before it finished.");
  }

  const merger = parsed.merger;
  let lines = merger.lines;
  let skipped = merger.skipped;
  const problems = merger.problems;
  let lineBase = parsed.physicalLines;
  for (const r of results as PartResult[]) {
    builder.absorb(r.part, merger);
    lines += r.lines;
    skipped += r.skipped;
    for (const p of r.problemLines) if (problems.length < 20) problems.push(`line ${lineBase + p.line}: ${p.what}`);
    lineBase += r.physicalLines;
  }
  return { ...checkParsed(header, { count: merger.count, lines, skipped, problems }), parts: results.length + 1 };
}

/**
 * builder.build() on two threads: a worker ranks the names by collation while this thread sorts
 * the dictionary and the nameless mailboxes' e-mails; then, the final order known, a worker packs
 * the entries and the exact-lookup tables while this thread builds the posting lists
 * (`threads` < 2: all here). The builder's entries are moved to the worker: it is spent after.
 */
export async function buildWithThreads(
  builder: IndexBuilder,
  threads: number,
  onProgress?: (done: number, total: number) => void,
): Promise<IndexParts> {
  if (threads < 2) return builder.build(onProgress);
  const n = builder.count;
  const { surnames, givens } = builder.nameLists();
  const ranks = runJob<Ranks>({ job: "rank-names", surnames, givens }, () => {}, NEVER);
  ranks.catch(() => {}); // awaited below, after the dictionary
  const dict = builder.sortedTokens();
  const namelessEmailRank = builder.namelessEmailRanks();
  const { surname, given } = await ranks;
  const { order, finalId } = builder.finalOrder({ surnameRank: surname, givenRank: given, namelessEmailRank });
  onProgress?.(Math.floor(n / 4), n);
  const columns = builder.entryColumns();
  const moved = [
    ...new Set([...Object.values(columns).map((a: Uint8Array | Uint32Array) => a.buffer as ArrayBuffer), order.buffer as ArrayBuffer]),
  ];
  const packing = runJob<Packed>({ job: "pack-entries", columns, order }, () => {}, NEVER, moved);
  packing.catch(() => {}); // awaited below, after the posting lists
  const posting = builder.postingLists(finalId, dict);
  onProgress?.(Math.floor(n / 2), n);
  const { packed } = await packing;
  onProgress?.(Math.floor((n * 3) / 4), n);
  // A Buffer again (it crossed as a plain Uint8Array).
  const entries = Buffer.from(packed.entries.buffer, packed.entries.byteOffset, packed.entries.byteLength);
  return { dict, ...posting, ...packed, entries };
}
