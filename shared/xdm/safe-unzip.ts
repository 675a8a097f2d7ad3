/**
 * Reading a ZIP archive that may be hostile (pure; the extension and the bridge run it alike).
 *
 * The central directory is read here (APPNOTE.TXT 4.3.12, 4.3.16, 4.3.7) so that every limit is
 * checked before anything is inflated: the number of entries, each entry's path (no `..`, no
 * absolute path, no backslash, no drive letter), the declared sizes and their ratio. Deflated data
 * is then inflated by fflate's streaming `Inflate` a few kilobytes at a time, counting what comes
 * out, so an entry that lies about its size is stopped as soon as it passes its declared size or a
 * limit: a ZIP bomb costs at most the limit, never a freeze. CRC-32 is checked.
 */
import { Inflate } from "fflate";
import { fail } from "./xdm-problems.ts";

export interface ZipLimits {
  /** The archive itself (an MSSanté message is at most 25 MB). */
  maxArchiveBytes: number;
  maxEntries: number;
  /** One entry, inflated. */
  maxEntryBytes: number;
  /** All entries, inflated. */
  maxTotalBytes: number;
  /** Inflated / compressed, checked for entries over `ratioFloorBytes`. */
  maxRatio: number;
  ratioFloorBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxArchiveBytes: 32 * 1024 * 1024,
  maxEntries: 512,
  maxEntryBytes: 32 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
};

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const CHUNK = 4096;

function u16(b: Uint8Array, o: number): number {
  if (o + 2 > b.length) fail("ZIP_UNREADABLE");
  return b[o]! | (b[o + 1]! << 8);
}
function u32(b: Uint8Array, o: number): number {
  if (o + 4 > b.length) fail("ZIP_UNREADABLE");
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function findEndOfCentralDirectory(b: Uint8Array): number {
  const lowest = Math.max(0, b.length - 22 - 0xffff);
  for (let o = b.length - 22; o >= lowest; o--) if (u32(b, o) === EOCD) return o;
  return fail("ZIP_UNREADABLE");
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

function entryName(raw: Uint8Array, flags: number): string {
  try {
    return flags & 0x800 ? utf8.decode(raw) : latin1.decode(raw);
  } catch {
    return fail("ZIP_UNREADABLE");
  }
}

/** A path that stays inside the archive: relative, forward slashes, no `.`/`..` segment, no NUL. */
export function isSafeEntryPath(name: string): boolean {
  if (name === "" || name.includes("\\") || name.includes("\0") || name.startsWith("/")) return false;
  if (/^[A-Za-z]:/.test(name)) return false;
  const segments = name.replace(/\/$/, "").split("/");
  return segments.every((s) => s !== "" && s !== "." && s !== "..");
}

function readCentralDirectory(b: Uint8Array, limits: ZipLimits): CentralEntry[] {
  const end = findEndOfCentralDirectory(b);
  const count = u16(b, end + 10);
  if (count === 0xffff || u32(b, end + 12) === 0xffffffff) fail("ZIP_UNSUPPORTED");
  if (count > limits.maxEntries) fail("ZIP_TOO_MANY_ENTRIES");
  const entries: CentralEntry[] = [];
  let o = u32(b, end + 16);
  for (let i = 0; i < count; i++) {
    if (u32(b, o) !== CENTRAL) fail("ZIP_UNREADABLE");
    const nameLength = u16(b, o + 28);
    if (o + 46 + nameLength > b.length) fail("ZIP_UNREADABLE");
    const flags = u16(b, o + 8);
    entries.push({
      name: entryName(b.subarray(o + 46, o + 46 + nameLength), flags),
      flags,
      method: u16(b, o + 10),
      crc: u32(b, o + 16),
      compressedSize: u32(b, o + 20),
      size: u32(b, o + 24),
      localOffset: u32(b, o + 42),
    });
    o += 46 + nameLength + u16(b, o + 30) + u16(b, o + 32);
  }
  return entries;
}

function checkEntry(e: CentralEntry, limits: ZipLimits, seen: Set<string>): void {
  if (!isSafeEntryPath(e.name)) fail("ZIP_UNSAFE_PATH");
  const key = e.name.toUpperCase();
  if (seen.has(key)) fail("ZIP_DUPLICATE", e.name);
  seen.add(key);
  if (e.flags & 0x1 || (e.method !== 0 && e.method !== 8)) fail("ZIP_UNSUPPORTED", e.name);
  if (e.size === 0xffffffff || e.compressedSize === 0xffffffff) fail("ZIP_UNSUPPORTED", e.name);
  if (e.size > limits.maxEntryBytes) fail("ZIP_ENTRY_TOO_BIG", e.name);
  if (e.method === 0 && e.size !== e.compressedSize) fail("ZIP_CORRUPT_ENTRY", e.name);
  if (e.size > limits.ratioFloorBytes && e.size > e.compressedSize * limits.maxRatio) fail("ZIP_RATIO", e.name);
}

function entryData(b: Uint8Array, e: CentralEntry): Uint8Array {
  const o = e.localOffset;
  if (u32(b, o) !== LOCAL) fail("ZIP_CORRUPT_ENTRY", e.name);
  const start = o + 30 + u16(b, o + 26) + u16(b, o + 28);
  if (start + e.compressedSize > b.length) fail("ZIP_CORRUPT_ENTRY", e.name);
  return b.subarray(start, start + e.compressedSize);
}

/** Inflates, stopping as soon as the output passes the declared size (which the limits bound). */
function inflateBounded(data: Uint8Array, e: CentralEntry): Uint8Array {
  const out = new Uint8Array(e.size);
  let written = 0;
  let overflow = false;
  const inflater = new Inflate((chunk) => {
    if (written + chunk.length > out.length) overflow = true;
    else out.set(chunk, written);
    written += chunk.length;
  });
  try {
    for (let i = 0; i < data.length && !overflow; i += CHUNK) inflater.push(data.subarray(i, i + CHUNK), i + CHUNK >= data.length);
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch {
    fail("ZIP_CORRUPT_ENTRY", e.name);
  }
  if (overflow || written !== e.size) fail("ZIP_SIZE_MISMATCH", e.name);
  return out;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * The archive's files by path (directories left out). Throws XdmFailure (a ZIP_* problem) on the
 * first limit passed or the first damage found: one bad entry makes the whole archive suspect.
 */
export function unzipSafely(bytes: Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Map<string, Uint8Array> {
  if (bytes.length > limits.maxArchiveBytes) fail("ZIP_TOO_BIG");
  const entries = readCentralDirectory(bytes, limits);
  const seen = new Set<string>();
  let declaredTotal = 0;
  for (const e of entries) {
    checkEntry(e, limits, seen);
    declaredTotal += e.size;
  }
  if (declaredTotal > limits.maxTotalBytes) fail("ZIP_TOTAL_TOO_BIG");
  const files = new Map<string, Uint8Array>();
  for (const e of entries) {
    if (e.name.endsWith("/")) continue;
    const raw = entryData(bytes, e);
    const data = e.method === 0 ? raw.slice() : inflateBounded(raw, e);
    if (crc32(data) !== e.crc) fail("ZIP_CORRUPT_ENTRY", e.name);
    files.set(e.name, data);
  }
  return files;
}
