/**
 * The index as one file: written to a temporary name beside the target, synced, then renamed over
 * it (atomic on POSIX), so readers see either the old index or the new one, never a half.
 * Loading reads the search arrays into memory and leaves the entry texts on disk (read by offset
 * for the few results shown), which keeps the bridge's memory low. Opening is read-only, so a
 * machine-wide index can be shared by every user of a terminal server.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { FIELDS, type IndexParts } from "./build-index.ts";

const MAGIC = Buffer.from("MSSDIDX1", "ascii");
const TRAILER = Buffer.from("MSSDEND1", "ascii");
/** 2: the whole surname and its parts are separate posting fields (5 fields per token). */
export const INDEX_FORMAT_VERSION = 2;

export interface IndexMeta {
  formatVersion: number;
  /** Date of the national extraction (ISO 8601), from its file name, else null. */
  sourceDate: string | null;
  /** File name or URL the index was imported from (never shown to clients as a path to use). */
  sourceName: string | null;
  builtAt: string;
  count: number;
  lines: number;
  tokens: number;
  warnings: string[];
}

type SectionName = "dict" | "postStart" | "postings" | "entryOffsets" | "entries" | "emailHash" | "emailIds" | "idNatHash" | "idNatIds";
const SECTIONS: SectionName[] = [
  "dict",
  "postStart",
  "postings",
  "entryOffsets",
  "entries",
  "emailHash",
  "emailIds",
  "idNatHash",
  "idNatIds",
];

interface Header {
  meta: IndexMeta;
  sections: Record<SectionName, [number, number]>;
  totalSize: number;
}

export class IndexFormatError extends Error {}

function bytesOf(part: IndexParts[SectionName]): Buffer {
  if (Array.isArray(part)) return Buffer.from(part.join("\n"), "utf8");
  if (Buffer.isBuffer(part)) return part;
  return Buffer.from(part.buffer, part.byteOffset, part.byteLength);
}

const align8 = (n: number) => (n + 7) & ~7;

/** Writes the index to `target` atomically. Throws (and leaves `target` untouched) on any error. */
export function writeIndexFile(target: string, parts: IndexParts, meta: IndexMeta): number {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  const bodies = SECTIONS.map((s) => bytesOf(parts[s]));
  // Header size depends on offsets, which depend on header size: reserve a fixed-size header.
  const HEADER_RESERVED = 64 * 1024;
  const sections = {} as Record<SectionName, [number, number]>;
  let off = HEADER_RESERVED;
  SECTIONS.forEach((s, i) => {
    sections[s] = [off, bodies[i]!.length];
    off = align8(off + bodies[i]!.length);
  });
  const totalSize = off + TRAILER.length;
  const headerJson = Buffer.from(JSON.stringify({ meta, sections, totalSize } satisfies Header), "utf8");
  if (headerJson.length + 12 > HEADER_RESERVED) throw new Error("index header too large");
  const head = Buffer.alloc(HEADER_RESERVED);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(headerJson.length, 8);
  headerJson.copy(head, 12);
  const fd = openSync(tmp, "wx", 0o644);
  try {
    const writeAll = (b: Buffer, pos: number) => {
      let done = 0;
      while (done < b.length) done += writeSync(fd, b, done, b.length - done, pos + done);
    };
    writeAll(head, 0);
    SECTIONS.forEach((s, i) => {
      writeAll(bodies[i]!, sections[s][0]);
    });
    writeAll(TRAILER, off);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, target);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to remove */
    }
    throw e;
  }
  return totalSize;
}

export interface LoadedIndex {
  meta: IndexMeta;
  dict: string[];
  postStart: Uint32Array;
  postings: Uint32Array;
  entryOffsets: Uint32Array;
  emailHash: Uint32Array;
  emailIds: Uint32Array;
  idNatHash: Uint32Array;
  idNatIds: Uint32Array;
  /** Reads entry bytes from the file (kept open read-only). */
  readEntryText(id: number): string;
  sizeBytes: number;
  close(): void;
}

function readAt(fd: number, pos: number, len: number, into?: Buffer): Buffer {
  const b = into ?? Buffer.alloc(len);
  let done = 0;
  while (done < len) {
    const r = readSync(fd, b, done, len - done, pos + done);
    if (r === 0) throw new IndexFormatError("the index file ends early");
    done += r;
  }
  return b;
}

function readU32(fd: number, [pos, len]: [number, number]): Uint32Array {
  if (len % 4 !== 0) throw new IndexFormatError("a section has an invalid length");
  const arr = new Uint32Array(len / 4);
  readAt(fd, pos, len, Buffer.from(arr.buffer, 0, len));
  return arr;
}

/** Opens an index read-only. Throws IndexFormatError when the file is not a complete index. */
export function openIndexFile(file: string): LoadedIndex {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    if (size < 12) throw new IndexFormatError("the index file is empty or truncated");
    const start = readAt(fd, 0, 12);
    if (!start.subarray(0, 8).equals(MAGIC)) throw new IndexFormatError("not a directory index file");
    const hlen = start.readUInt32LE(8);
    if (hlen > 64 * 1024) throw new IndexFormatError("the index header is corrupt");
    let header: Header;
    try {
      header = JSON.parse(readAt(fd, 12, hlen).toString("utf8")) as Header;
    } catch {
      throw new IndexFormatError("the index header is corrupt");
    }
    if (header.meta?.formatVersion !== INDEX_FORMAT_VERSION)
      throw new IndexFormatError("the index was written by another version; import again");
    if (header.totalSize !== size) throw new IndexFormatError("the index file is truncated or has the wrong size");
    if (!readAt(fd, size - TRAILER.length, TRAILER.length).equals(TRAILER)) throw new IndexFormatError("the index file is incomplete");
    for (const s of SECTIONS) {
      const [pos, len] = header.sections[s] ?? [-1, -1];
      if (pos < 0 || pos + len > size) throw new IndexFormatError("the index sections are corrupt");
    }
    const dictSec = header.sections.dict;
    const dictText = readAt(fd, dictSec[0], dictSec[1]).toString("utf8");
    const dict = dictText ? dictText.split("\n") : [];
    const loaded = {
      meta: header.meta,
      dict,
      postStart: readU32(fd, header.sections.postStart),
      postings: readU32(fd, header.sections.postings),
      entryOffsets: readU32(fd, header.sections.entryOffsets),
      emailHash: readU32(fd, header.sections.emailHash),
      emailIds: readU32(fd, header.sections.emailIds),
      idNatHash: readU32(fd, header.sections.idNatHash),
      idNatIds: readU32(fd, header.sections.idNatIds),
    };
    if (loaded.postStart.length !== dict.length * FIELDS + 1 || loaded.entryOffsets.length !== header.meta.count + 1) {
      throw new IndexFormatError("the index sections do not agree");
    }
    if (loaded.postStart[loaded.postStart.length - 1] !== loaded.postings.length)
      throw new IndexFormatError("the index postings are corrupt");
    const entriesBase = header.sections.entries[0];
    const entriesLen = header.sections.entries[1];
    if (loaded.entryOffsets[header.meta.count] !== entriesLen) throw new IndexFormatError("the index entries are corrupt");
    let scratch = Buffer.alloc(4096);
    let closed = false;
    return {
      ...loaded,
      sizeBytes: size,
      readEntryText(id: number): string {
        if (closed) throw new IndexFormatError("the index is closed");
        const a = loaded.entryOffsets[id]!;
        const len = loaded.entryOffsets[id + 1]! - a;
        if (len > scratch.length) scratch = Buffer.alloc(len * 2);
        readAt(fd, entriesBase + a, len, scratch);
        return scratch.toString("utf8", 0, len);
      },
      close() {
        if (!closed) closeSync(fd);
        closed = true;
      },
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The same view over parts still in memory (tests, and checks before writing). */
export function inMemoryIndex(parts: IndexParts, meta: IndexMeta): LoadedIndex {
  return {
    meta,
    dict: parts.dict,
    postStart: parts.postStart,
    postings: parts.postings,
    entryOffsets: parts.entryOffsets,
    emailHash: parts.emailHash,
    emailIds: parts.emailIds,
    idNatHash: parts.idNatHash,
    idNatIds: parts.idNatIds,
    sizeBytes: 0,
    readEntryText: (id) => parts.entries.toString("utf8", parts.entryOffsets[id]!, parts.entryOffsets[id + 1]!),
    close: () => {},
  };
}
