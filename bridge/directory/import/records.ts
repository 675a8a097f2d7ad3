/**
 * Lines of the extraction → merged directory entries (pure). The lines of one address (one per
 * practice situation) become one entry with several places.
 */
import { cleanField, isMailboxType, stripControls, type StoredEntry, type StoredPlace } from "../search/entry.ts";
import { normalizeAddress } from "../../../shared/domain/address.ts";
import type { HeaderMap } from "./columns.ts";
import { hash32 } from "../index/hash32.ts";

function field(text: string, starts: Int32Array, c: number): string | null {
  return cleanField(text.slice(starts[c]!, starts[c + 1]! - 1));
}

/** "69003 LYON" → "LYON"; the line also carries the postal code in its own column. */
export function cityFromLine(l6: string | null, postalCode: string | null): string | null {
  if (!l6) return null;
  let c = l6.trim();
  if (postalCode && c.startsWith(postalCode)) c = c.slice(postalCode.length);
  c = c.replace(/^\s*\d{4,5}\s+/, "").trim();
  return c || null;
}

/** Receives entries and later lines of the same address (the index builder implements it). */
export interface EntrySink {
  /** `keyHash`: FNV-1a of key, when the caller has it already. */
  add(e: StoredEntry, key?: string, keyHash?: number): number;
  merge(p: number, line: StoredEntry): void;
  /** normalizeAddress of entry p's e-mail (to tell a hash collision from the same address). */
  keyOf(p: number): string;
}

/**
 * hash → first entry number with that hash, open addressing in typed arrays (a Map keyed by
 * 32-bit numbers boxes most of them; half a million of those cost the import noticeably).
 */
class HashSlots {
  private keys = new Uint32Array(1 << 16);
  private vals = new Int32Array(1 << 16); // entry number + 1; 0 = empty
  private size = 0;

  private slot(h: number): number {
    const mask = this.keys.length - 1;
    let i = (Math.imul(h, 0x9e3779b1) >>> 0) & mask;
    while (this.vals[i] !== 0 && this.keys[i] !== h) i = (i + 1) & mask;
    return i;
  }

  get(h: number): number | undefined {
    const i = this.slot(h);
    return this.vals[i] === 0 ? undefined : this.vals[i]! - 1;
  }

  /** Sets h → p unless h is already there. */
  add(h: number, p: number): void {
    const i = this.slot(h);
    if (this.vals[i] !== 0) return;
    this.keys[i] = h;
    this.vals[i] = p + 1;
    if (++this.size * 2 > this.keys.length) this.grow();
  }

  private grow(): void {
    const keys = this.keys;
    const vals = this.vals;
    this.keys = new Uint32Array(keys.length * 2);
    this.vals = new Int32Array(vals.length * 2);
    for (let i = 0; i < keys.length; i++) {
      if (vals[i] !== 0) {
        const j = this.slot(keys[i]!);
        this.keys[j] = keys[i]!;
        this.vals[j] = vals[i]!;
      }
    }
  }
}

export class EntryMerger {
  // Addresses seen, by hash (numbers keep half a million strings out of the heap); the rare
  // addresses whose hash is already taken by another address go to `collided`.
  private readonly byHash = new HashSlots();
  private readonly collided = new Map<string, number>();
  count = 0;
  lines = 0;
  skipped = 0;
  /** The first malformed lines (line number as given to addLine, and what is wrong). */
  readonly problemLines: { line: number; what: string }[] = [];

  /** Start of each field in the current line (reused: splitting every column would allocate 31 strings a line). */
  private readonly starts: Int32Array;

  constructor(
    private readonly header: HeaderMap,
    private readonly sink: EntrySink,
  ) {
    this.starts = new Int32Array(header.columnCount + 1);
  }

  private problem(lineNo: number, what: string): void {
    this.skipped++;
    if (this.problemLines.length < 20) this.problemLines.push({ line: lineNo, what });
  }

  /** "line N: what is wrong", for the first malformed lines. */
  get problems(): string[] {
    return this.problemLines.map((p) => `line ${p.line}: ${p.what}`);
  }

  /**
   * The entry already holding this address (`key` = normalizeAddress of it, `h` its hash), if
   * any. `key` may be a function: it is only needed when the hash is already taken.
   */
  find(h: number, key: string | (() => string)): number | undefined {
    const at = this.byHash.get(h);
    if (at === undefined) return undefined;
    const k = typeof key === "string" ? key : key();
    return this.sink.keyOf(at) === k ? at : this.collided.get(k);
  }

  /** Records that entry p holds this address (after `find` found none). */
  register(h: number, key: string | (() => string), p: number): void {
    if (this.byHash.get(h) !== undefined) this.collided.set(typeof key === "string" ? key : key(), p);
    else this.byHash.add(h, p);
    this.count++;
  }

  /** Adds one data line (without its line end). `lineNo` counts from 1 = the header. */
  addLine(line: string, lineNo: number): void {
    if (line.length === 0) return;
    this.lines++;
    const text = stripControls(line);
    const cols = this.header.columnCount;
    const starts = this.starts;
    let n = 1;
    starts[0] = 0;
    for (let i = text.indexOf("|"); i >= 0; i = text.indexOf("|", i + 1)) {
      if (n < cols) starts[n] = i + 1;
      n++;
    }
    if (n !== cols) {
      this.problem(lineNo, `${n} columns instead of ${cols}`);
      return;
    }
    starts[cols] = text.length + 1;
    const ix = this.header.index;
    // Plain calls, not a closure: this runs fifteen times a line.
    const type = (field(text, starts, ix.type) ?? "").toUpperCase();
    const email = field(text, starts, ix.email);
    if (!email?.includes("@")) {
      this.problem(lineNo, "no valid mailbox address");
      return;
    }
    if (!isMailboxType(type)) {
      this.problem(lineNo, `unknown mailbox type "${type.slice(0, 10)}"`);
      return;
    }
    const postalCode = field(text, starts, ix.postalCode);
    // The street without its number: numbers would match nearly every short numeric query.
    const streetType = field(text, starts, ix.streetType);
    const streetName = field(text, starts, ix.streetName);
    const address = streetType && streetName ? `${streetType} ${streetName}` : (streetName ?? streetType);
    const place: StoredPlace = {
      organisation: field(text, starts, ix.organisation),
      city: cityFromLine(field(text, starts, ix.cityLine), postalCode),
      postalCode,
      service: field(text, starts, ix.service),
      address,
      department: field(text, starts, ix.department),
    };
    const entry: StoredEntry = {
      email,
      type,
      surname: field(text, starts, ix.surname),
      givenName: field(text, starts, ix.givenName),
      civility: field(text, starts, ix.civility),
      profession: field(text, starts, ix.profession),
      specialty: field(text, starts, ix.specialty),
      idNat: field(text, starts, ix.idNat),
      places: [place],
    };
    const key = normalizeAddress(email);
    const h = hash32(key);
    const at = this.find(h, key);
    if (at !== undefined) {
      this.sink.merge(at, entry);
      return;
    }
    this.register(h, key, this.sink.add(entry, key, h));
  }
}

/** In-memory sink (tests): merges the same way as the index builder. */
export class EntryList implements EntrySink {
  readonly entries: StoredEntry[] = [];
  keyOf(p: number): string {
    return normalizeAddress(this.entries[p]!.email);
  }
  add(e: StoredEntry): number {
    this.entries.push(e);
    return this.entries.length - 1;
  }
  merge(p: number, line: StoredEntry): void {
    const e = this.entries[p]!;
    for (const k of ["surname", "givenName", "civility", "profession", "specialty", "idNat"] as const) e[k] ??= line[k];
    for (const place of line.places) {
      if (!e.places.some((q) => JSON.stringify(q) === JSON.stringify(place))) e.places.push(place);
    }
  }
}
