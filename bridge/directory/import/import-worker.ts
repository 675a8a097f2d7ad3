/**
 * A worker thread of the directory import (started by import-threads.ts), for one job given as
 * workerData:
 * - "parse-part": parse whole lines from `start` to `end` of the extraction into its own
 *   IndexBuilder; sends "bytes" messages (progress), then "done" with the part (its buffers
 *   transferred, not copied), which the starting thread absorbs;
 * - "inflate": inflate the ZIP's extraction into a new file, sending "bytes" as they are written
 *   (the starting thread parses them as they come), then "inflated";
 * - "rank-names": rank distinct surnames and given names by French collation (the slowest step of
 *   the index build, done here while the starting thread sorts the dictionary); sends "ranks";
 * - "pack-entries": the entries' bytes and exact-lookup tables in final order (while the starting
 *   thread builds the posting lists); sends "packed".
 * Any job may end with one "error" message instead.
 */
import { closeSync, createReadStream, openSync, writeSync } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parentPort, workerData } from "node:worker_threads";
import { distinctRanks, IndexBuilder, packEntries, splitList } from "../index/build-index.ts";
import { ImportError, ioError } from "./import-error.ts";
import { openExtractionInZip } from "./zip.ts";
import { parseLines } from "./parse-extraction.ts";
import type { WorkerJob, WorkerMessage } from "./import-threads.ts";

const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

async function parsePart(job: Extract<WorkerJob, { job: "parse-part" }>): Promise<void> {
  const builder = new IndexBuilder({ expectedBytes: job.end - job.start });
  const stream = createReadStream(job.file, { start: job.start, end: job.end - 1, highWaterMark: 1024 * 1024 });
  const { merger, physicalLines } = await parseLines(stream, builder, {
    header: job.header,
    byteOffset: job.start,
    onBytes: (bytes) => post({ kind: "bytes", bytes }),
  });
  const { part, transfer } = builder.exportPart();
  post({ kind: "done", part, lines: merger.lines, skipped: merger.skipped, problemLines: merger.problemLines, physicalLines }, transfer);
}

/** Progress every this many bytes written (a message per 16 KB chunk would be thousands). */
const PROGRESS_STEP = 512 * 1024;

async function inflate(job: Extract<WorkerJob, { job: "inflate" }>): Promise<void> {
  const zip = await openExtractionInZip(job.zip);
  let fd: number;
  try {
    fd = openSync(job.to, "wx", 0o600);
  } catch (e) {
    zip.close();
    throw ioError(e, "inflating the ZIP's extraction");
  }
  let written = 0;
  let reported = 0;
  // Written synchronously, chunk by chunk: a byte reported is a byte another thread can read.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done, written + done);
        written += chunk.length;
        if (written - reported >= PROGRESS_STEP) {
          reported = written;
          post({ kind: "bytes", bytes: written });
        }
        callback();
      } catch (e) {
        callback(ioError(e, "inflating the ZIP's extraction"));
      }
    },
  });
  try {
    await pipeline(zip.stream, sink);
  } finally {
    closeSync(fd);
  }
  post({ kind: "inflated", bytes: written });
}

function rankNames(job: Extract<WorkerJob, { job: "rank-names" }>): void {
  const surname = distinctRanks(splitList(job.surnames));
  const given = distinctRanks(splitList(job.givens));
  post({ kind: "ranks", surname, given }, [surname.buffer as ArrayBuffer, given.buffer as ArrayBuffer]);
}

/** The buffer of a typed array, alone (a small Buffer shares Node's pool, which cannot be moved). */
function own(a: Uint8Array | Uint32Array): ArrayBuffer {
  if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a.buffer as ArrayBuffer;
  throw new Error("not a whole buffer");
}

function pack(job: Extract<WorkerJob, { job: "pack-entries" }>): void {
  const p = packEntries(job.columns, job.order);
  // A small Buffer lives in Node's shared pool: copied out so it can be moved.
  const entries =
    p.entries.byteOffset === 0 && p.entries.byteLength === p.entries.buffer.byteLength ? p.entries : new Uint8Array(p.entries);
  const packed = { ...p, entries: entries as Buffer }; // a Uint8Array on the way: made a Buffer again on arrival
  post({ kind: "packed", packed }, [entries, p.entryOffsets, p.emailHash, p.emailIds, p.idNatHash, p.idNatIds].map(own));
}

async function main(job: WorkerJob): Promise<void> {
  try {
    if (job.job === "parse-part") await parsePart(job);
    else if (job.job === "inflate") await inflate(job);
    else if (job.job === "rank-names") rankNames(job);
    else pack(job);
  } catch (e) {
    const err = e instanceof ImportError ? e : new ImportError("io", `A directory import thread failed: ${(e as Error).message}`);
    post({ kind: "error", errorKind: err.kind, message: err.message });
  }
}

if (!parentPort) {
  process.stderr.write("import-worker: runs as a worker thread of the directory import.\n");
  process.exit(2);
}
await main(workerData as WorkerJob);
