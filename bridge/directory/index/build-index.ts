/**
 * Builds the packed index from merged entries (pure, in memory; index-file.ts writes it).
 *
 * Layout (all typed arrays, no object per entry once built):
 * - dict: sorted unique tokens; a token's id is its rank, so a prefix is a contiguous id range;
 * - postStart/postings: for token t and field f (0 the whole surname, 1 another token of the
 *   surname — a part of a compound name —, 2 given name, 3 e-mail, 4 other), the entry ids in
 *   postings[postStart[5t+f] .. postStart[5t+f+1]], ascending. postStart is cumulative, so the
 *   volume of a prefix range is one subtraction (used to plan queries);
 * - entries: one encoded string per entry, ids in tie-break order (see search/rank.ts);
 * - email and idNat hash tables: (hash, id) pairs sorted by hash.
 */
import { decodeEntry, TYPE_ORDER, type StoredEntry, type StoredPlace } from "../search/entry.ts";
import { frenchCollator } from "../search/rank.ts";
import { wholeToken } from "../search/normalize.ts";
import { normalizeAddress } from "../../../shared/domain/address.ts";
import { fieldTokens } from "../search/field-tokens.ts";
import { hash32 } from "./hash32.ts";

/** The whole surname as one token (`lefevremoreau`, `martin`): the "surname exact" rank. */
export const FIELD_SURNAME = 0;
/** The surname's other tokens (`lefevre` and `moreau` of LEFÈVRE-MOREAU, `tour` of de la Tour). */
export const FIELD_SURNAME_PART = 1;
export const FIELD_GIVEN = 2;
export const FIELD_EMAIL = 3;
export const FIELD_OTHER = 4;
export const FIELDS = 5;

export interface IndexParts {
  dict: string[];
  postStart: Uint32Array;
  postings: Uint32Array;
  entryOffsets: Uint32Array;
  entries: Buffer;
  emailHash: Uint32Array;
  emailIds: Uint32Array;
  idNatHash: Uint32Array;
  idNatIds: Uint32Array;
}

export { hash32 } from "./hash32.ts";

class GrowableU32 {
  a = new Uint32Array(1 << 16);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/** Distinct value number → rank by French collation (collating distinct values once is much cheaper). */
export function distinctRanks(values: string[]): Uint32Array {
  // Distinct strings the collator holds equal are ordered by code units: the ranks depend only on
  // the values, not on the order they were first seen (a file parsed in parts gives the same index).
  const byText = values
    .map((_, i) => i)
    .sort((a, b) => frenchCollator.compare(values[a]!, values[b]!) || (values[a]! < values[b]! ? -1 : values[a]! > values[b]! ? 1 : 0));
  const rank = new Uint32Array(values.length);
  byText.forEach((id, r) => {
    rank[id] = r;
  });
  return rank;
}

/**
 * A copy of s that does not keep a larger string alive: values are slices of the decoded chunk
 * of text they came from, and one kept slice holds its whole chunk (hundreds of MB over an
 * import, since the caches and the dictionary keep ~400,000 of them).
 */
function own(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1); // V8 copies slices shorter than 13 anyway
}

/** A distinct-value record's key count before its keys are computed (a name taken over from a part). */
const NO_KEYS = 0xffffffff;

/** Stable counting sort of `order` by keys[order[i]] in [0, size). */
function countingSortBy(order: Uint32Array, keys: Uint32Array, size: number): Uint32Array {
  const start = new Uint32Array(size + 1);
  for (let i = 0; i < order.length; i++) start[keys[order[i]!]! + 1]!++;
  for (let i = 1; i <= size; i++) start[i]! += start[i - 1]!;
  const out = new Uint32Array(order.length);
  for (let i = 0; i < order.length; i++) out[start[keys[order[i]!]!]!++] = order[i]!;
  return out;
}

const FS = "\x1f";
const PS = "\x1d";
const PF = "\x1e";

/**
 * The same text as search/entry.ts encodeEntry (a test checks it), by plain concatenation: the
 * import encodes every entry, and the array maps and joins there cost more than the rest of it.
 */
export function encodeEntryText(e: StoredEntry): string {
  let s =
    e.email +
    FS +
    e.type +
    FS +
    (e.surname ?? "") +
    FS +
    (e.givenName ?? "") +
    FS +
    (e.civility ?? "") +
    FS +
    (e.profession ?? "") +
    FS +
    (e.specialty ?? "") +
    FS +
    (e.idNat ?? "") +
    FS;
  const places = e.places;
  for (let i = 0; i < places.length; i++) {
    const p = places[i]!;
    if (i > 0) s += PS;
    s +=
      (p.organisation ?? "") +
      PF +
      (p.city ?? "") +
      PF +
      (p.postalCode ?? "") +
      PF +
      (p.service ?? "") +
      PF +
      (p.address ?? "") +
      PF +
      (p.department ?? "");
  }
  return s;
}

/** Distinct-value caches, one per column (an array slot, not a map lookup by column name). */
const COL = {
  surname: 0,
  givenName: 1,
  profession: 2,
  specialty: 3,
  organisation: 4,
  city: 5,
  postalCode: 6,
  service: 7,
  address: 8,
  department: 9,
} as const;
type Column = keyof typeof COL;

/** Entry ids must fit the packed hash tables (2^21 ≈ 2M mailboxes, four times today's count). */
export const ID_LIMIT = 2 ** 21;

/** (hash, final id) pairs sorted by hash, for entries that have the key (`present` null: all). */
function hashTable(order: Uint32Array, hashes: Uint32Array, present: Uint32Array | null): { hash: Uint32Array; ids: Uint32Array } {
  // Packed in one double (32 + 21 bits) so a native typed-array sort orders them.
  const packed = new Float64Array(order.length);
  let n = 0;
  for (let id = 0; id < order.length; id++) {
    const p = order[id]!;
    if (!present || present[p]) packed[n++] = hashes[p]! * ID_LIMIT + id;
  }
  const sorted = packed.subarray(0, n).sort();
  const hash = new Uint32Array(n);
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = sorted[i]!;
    hash[i] = Math.floor(v / ID_LIMIT);
    ids[i] = v % ID_LIMIT;
  }
  return { hash, ids };
}

/**
 * What a builder that parsed one part of the file hands over (import-threads.ts): its typed arrays
 * (transferable between threads without a copy) and its string lists joined by "\n" (no value or
 * token holds a line end; one string crosses a thread much faster than 300,000).
 */
export interface BuilderPart {
  count: number;
  /** The encoded entries' bytes (only those in use by offs/lens matter). */
  blob: Uint8Array;
  offs: Uint32Array;
  lens: Uint32Array;
  types: Uint32Array;
  surnameIds: Uint32Array;
  givenIds: Uint32Array;
  emailHashes: Uint32Array;
  idNatHashes: Uint32Array;
  hasIdNat: Uint32Array;
  pairEntry: Uint32Array;
  pairKey: Uint32Array;
  tokens: JoinedList;
  surnames: JoinedList;
  givens: JoinedList;
}

/** A list of strings as one (the count tells an empty list from one empty string). */
export interface JoinedList {
  joined: string;
  count: number;
}
const join = (list: string[]): JoinedList => ({ joined: list.join("\n"), count: list.length });
export const splitList = (l: JoinedList): string[] => (l.count === 0 ? [] : l.joined.split("\n"));

/** Where the absorbing builder finds whether an address is already held (the EntryMerger's table). */
export interface AddressTable {
  find(h: number, key: string | (() => string)): number | undefined;
  register(h: number, key: string | (() => string), p: number): void;
}

/**
 * Collects entries one at a time, keeping them compact (one encoded string per entry and
 * (entry, token) pairs in typed arrays) so half a million entries do not become millions of
 * objects for the garbage collector to walk.
 */
export class IndexBuilder {
  // Per provisional entry, all in typed arrays or one byte buffer: half a million entries held as
  // JS strings would cost the garbage collector more than the rest of the import.
  private blob: Buffer;
  private blobLen = 0;
  private readonly offs = new GrowableU32();
  private readonly lens = new GrowableU32();
  private readonly types = new GrowableU32();
  private readonly surnameIds = new GrowableU32();
  private readonly givenIds = new GrowableU32();
  private readonly emailHashes = new GrowableU32();
  private readonly idNatHashes = new GrowableU32();
  private readonly hasIdNat = new GrowableU32();
  private readonly pairEntry = new GrowableU32();
  private readonly pairKey = new GrowableU32();
  private readonly tokenIds = new Map<string, number>();
  private readonly tokenList: string[] = [];
  /**
   * Distinct value → its record in `records`, one map per column. A record is
   * [seq + 1 (0: not numbered), key count n (NO_KEYS: not computed), key × n], where seq numbers
   * distinct surnames and given names in order of first use and a key is token id × FIELDS +
   * field. Numbers in a map and records in one typed array, not an object and an array per
   * value: this lookup runs ten times a line, and half a million small objects cost the garbage
   * collector and the CPU caches (measured at full size: the import went from 8.3–8.8 s to 7.2 s).
   */
  private readonly caches: Map<string, number>[] = Array.from({ length: 10 }, () => new Map<string, number>());
  private readonly records = new GrowableU32();
  /** Distinct surnames / given names in order of first appearance (their cache seq). */
  private readonly surnameValues: string[] = [];
  private readonly givenValues: string[] = [];

  /**
   * `expectedBytes`: the extraction's size, when known. The records take a little less than the
   * text they come from, so a blob of that size is allocated once instead of grown by copying
   * (pages never written are never resident).
   */
  constructor(opts: { expectedBytes?: number } = {}) {
    const hint = Math.min(opts.expectedBytes ?? 0, 256 * 1024 * 1024); // beyond that, grown as needed
    this.blob = Buffer.allocUnsafe(Math.max(16 * 1024 * 1024, hint));
  }

  get count(): number {
    return this.offs.n;
  }

  /** A name's record, numbered (one map lookup for its keys and its number). */
  private nameRecord(field: number, value: string | null, column: "surname" | "givenName"): number {
    const r = this.cached(field, value ?? "", COL[column]);
    if (this.records.a[r] === 0) this.number(r, value ?? "", column);
    return r;
  }

  /** A record's distinct-value number. */
  private seqOf(r: number): number {
    return this.records.a[r]! - 1;
  }

  /** Numbers a distinct name in order of first use. */
  private number(r: number, value: string, column: "surname" | "givenName"): void {
    const list = column === "surname" ? this.surnameValues : this.givenValues;
    this.records.a[r] = list.length + 1;
    list.push(own(value));
  }

  /** Appends a record; returns its offset. */
  private newRecord(keys: number[] | null): number {
    const r = this.records.n;
    this.records.push(0);
    this.records.push(keys ? keys.length : NO_KEYS);
    if (keys) for (let i = 0; i < keys.length; i++) this.records.push(keys[i]!);
    return r;
  }

  /** Makes room for `max` more bytes in the blob. */
  private reserve(max: number): void {
    if (this.blobLen + max > this.blob.length) {
      const b = Buffer.allocUnsafe(Math.max(this.blob.length * 2, this.blobLen + max));
      this.blob.copy(b, 0, 0, this.blobLen);
      this.blob = b;
    }
  }

  /** Appends an encoded entry to the blob; returns its offset. */
  private store(e: StoredEntry): [number, number] {
    const text = encodeEntryText(e);
    this.reserve(text.length * 3);
    const off = this.blobLen;
    this.blobLen += this.blob.write(text, off, "utf8");
    return [off, this.blobLen - off];
  }

  /** The entry as added and merged so far. */
  entryAt(p: number): StoredEntry {
    const a = this.offs.a[p]!;
    return decodeEntry(this.blob.toString("utf8", a, a + this.lens.a[p]!));
  }

  /** The entry's e-mail: the encoded record's first field (no need to decode the rest). */
  emailAt(p: number): string {
    const a = this.offs.a[p]!;
    const end = a + this.lens.a[p]!;
    const fs = this.blob.indexOf(0x1f, a);
    return this.blob.toString("utf8", a, fs >= 0 && fs < end ? fs : end);
  }

  /** normalizeAddress of the entry's e-mail (the merger checks hash collisions with it). */
  keyOf(p: number): string {
    return normalizeAddress(this.emailAt(p));
  }

  private tokenId(t: string): number {
    let id = this.tokenIds.get(t);
    if (id === undefined) {
      id = this.tokenList.length;
      const k = own(t);
      this.tokenIds.set(k, id);
      this.tokenList.push(k);
    }
    return id;
  }

  private tokenIdsOf(field: number, value: string): number[] {
    const toks =
      field === FIELD_SURNAME
        ? fieldTokens(value, true)
        : field === FIELD_OTHER
          ? fieldTokens(value, false, true, true)
          : fieldTokens(value);
    // Once per distinct surname: which of its tokens is the whole surname.
    const whole = field === FIELD_SURNAME ? wholeToken(value) : null;
    const ids = new Array<number>(toks.length);
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i]!;
      ids[i] = this.tokenId(t) * FIELDS + (whole === null || t === whole ? field : FIELD_SURNAME_PART);
    }
    return ids;
  }

  /** The value's record in its column, with its keys. */
  private cached(field: number, value: string, column: number): number {
    const c = this.caches[column]!;
    let r = c.get(value);
    if (r === undefined) {
      const key = own(value);
      r = this.newRecord(key ? this.tokenIdsOf(field, key) : []);
      c.set(key, r);
    } else if (this.records.a[r + 1] === NO_KEYS) {
      // Taken over from a part without its keys: a new record with them, the same number.
      const seq = this.records.a[r]!;
      r = this.newRecord(value ? this.tokenIdsOf(field, value) : []);
      this.records.a[r] = seq;
      c.set(value, r);
    }
    return r;
  }

  private addTokens(p: number, field: number, value: string | null, column: Column): void {
    if (value) this.pushKeys(p, this.cached(field, value, COL[column]));
  }

  /** The (entry, key) pairs of entry p and record r's keys. */
  private pushKeys(p: number, r: number): void {
    const rec = this.records.a;
    for (let i = r + 2, end = i + rec[r + 1]!; i < end; i++) {
      this.pairEntry.push(p);
      this.pairKey.push(rec[i]!);
    }
  }

  private addPlaceTokens(p: number, pl: StoredPlace): void {
    this.addTokens(p, FIELD_OTHER, pl.organisation, "organisation");
    this.addTokens(p, FIELD_OTHER, pl.city, "city");
    this.addTokens(p, FIELD_OTHER, pl.postalCode, "postalCode");
    this.addTokens(p, FIELD_OTHER, pl.service, "service");
    this.addTokens(p, FIELD_OTHER, pl.address, "address");
    // A department that starts the postal code ("69" / "69003") is already found by prefix.
    if (!(pl.department && pl.postalCode?.startsWith(pl.department))) this.addTokens(p, FIELD_OTHER, pl.department, "department");
  }

  /** Adds a new mailbox; returns its provisional number (for merge). `key` = normalizeAddress(email). */
  add(e: StoredEntry, key = normalizeAddress(e.email), keyHash = hash32(key)): number {
    const p = this.offs.n;
    if (p + 1 >= ID_LIMIT) throw new Error(`too many entries for the index format (${p + 1})`);
    const [off, len] = this.store(e);
    this.offs.push(off);
    this.lens.push(len);
    this.types.push(TYPE_ORDER[e.type]);
    const sRec = this.nameRecord(FIELD_SURNAME, e.surname, "surname");
    const gRec = this.nameRecord(FIELD_GIVEN, e.givenName, "givenName");
    this.surnameIds.push(this.seqOf(sRec));
    this.givenIds.push(this.seqOf(gRec));
    this.emailHashes.push(keyHash);
    this.idNatHashes.push(e.idNat ? hash32(e.idNat) : 0);
    this.hasIdNat.push(e.idNat ? 1 : 0);
    this.pushKeys(p, sRec);
    this.pushKeys(p, gRec);
    // E-mail tokens that repeat the name (jean.dupont@…) would only duplicate postings that rank
    // better anyway: keep the others (secretariat@…, initials, numbers).
    const at = e.email.lastIndexOf("@");
    const emailToks = fieldTokens(at > 0 ? e.email.slice(0, at) : e.email);
    for (let i = 0; i < emailToks.length; i++) {
      const t = emailToks[i]!;
      // Compared before the dictionary lookup: most e-mails are given.surname.
      if (this.isNameToken(t, sRec) || this.isNameToken(t, gRec)) continue;
      this.pairEntry.push(p);
      this.pairKey.push(this.tokenId(t) * FIELDS + FIELD_EMAIL);
    }
    this.addTokens(p, FIELD_OTHER, e.profession, "profession");
    this.addTokens(p, FIELD_OTHER, e.specialty, "specialty");
    for (const pl of e.places) this.addPlaceTokens(p, pl);
    return p;
  }

  /** Whether t is one of record r's tokens. */
  private isNameToken(t: string, r: number): boolean {
    const rec = this.records.a;
    for (let i = r + 2, end = i + rec[r + 1]!; i < end; i++) if (this.tokenList[(rec[i]! / FIELDS) | 0] === t) return true;
    return false;
  }

  /** Another line of the same address: a new place (duplicates ignored) and fields still empty. */
  merge(p: number, line: StoredEntry): void {
    const e = this.entryAt(p);
    let changed = false;
    for (const k of ["surname", "givenName", "civility", "profession", "specialty", "idNat"] as const) {
      if (e[k] === null && line[k] !== null) {
        e[k] = line[k];
        changed = true;
        if (k === "profession" || k === "specialty") this.addTokens(p, FIELD_OTHER, line[k], k);
        if (k === "givenName") this.addTokens(p, FIELD_GIVEN, line[k], k);
        if (k === "surname") this.addTokens(p, FIELD_SURNAME, line[k], k);
      }
    }
    for (const place of line.places) {
      const same = e.places.some(
        (q) =>
          q.organisation === place.organisation &&
          q.city === place.city &&
          q.postalCode === place.postalCode &&
          q.service === place.service &&
          q.address === place.address,
      );
      if (same) continue;
      e.places.push(place);
      this.addPlaceTokens(p, place);
      changed = true;
    }
    if (changed) {
      // The new version goes to the end of the blob (the old bytes are simply not copied at build).
      const [off, len] = this.store(e);
      this.offs.a[p] = off;
      this.lens.a[p] = len;
      this.surnameIds.a[p] = this.seqOf(this.nameRecord(FIELD_SURNAME, e.surname, "surname"));
      this.givenIds.a[p] = this.seqOf(this.nameRecord(FIELD_GIVEN, e.givenName, "givenName"));
      this.idNatHashes.a[p] = e.idNat ? hash32(e.idNat) : 0;
      this.hasIdNat.a[p] = e.idNat ? 1 : 0;
    }
  }

  /**
   * Hands the entries over to another builder (`absorb`): views of its typed arrays (their buffers
   * listed for a transfer between threads) and its string lists joined.
   */
  exportPart(): { part: BuilderPart; transfer: ArrayBuffer[] } {
    const n = this.offs.n;
    // Views of the arrays as they are (moved whole to the other thread, not copied): this builder
    // is spent after.
    const used = (g: GrowableU32, len: number) => g.a.subarray(0, len);
    const part: BuilderPart = {
      count: n,
      blob: this.blob.subarray(0, this.blobLen),
      offs: used(this.offs, n),
      lens: used(this.lens, n),
      types: used(this.types, n),
      surnameIds: used(this.surnameIds, n),
      givenIds: used(this.givenIds, n),
      emailHashes: used(this.emailHashes, n),
      idNatHashes: used(this.idNatHashes, n),
      hasIdNat: used(this.hasIdNat, n),
      pairEntry: used(this.pairEntry, this.pairEntry.n),
      pairKey: used(this.pairKey, this.pairKey.n),
      tokens: join(this.tokenList),
      surnames: join(this.surnameValues),
      givens: join(this.givenValues),
    };
    const arrays = [
      part.blob,
      part.offs,
      part.lens,
      part.types,
      part.surnameIds,
      part.givenIds,
      part.emailHashes,
      part.idNatHashes,
      part.hasIdNat,
      part.pairEntry,
      part.pairKey,
    ];
    return { part, transfer: arrays.map((a) => a.buffer as ArrayBuffer) };
  }

  /**
   * Appends the entries another builder parsed from the next part of the same file, as if its
   * lines had been added here one by one after this builder's own: an address already held here
   * (looked up in `addresses`, the merger's table) is merged like a later line of it; every other
   * entry is copied as it is (no re-encoding, no re-tokenising) with its token and name ids
   * translated. The built index is byte-identical to a one-part parse (a test checks it).
   */
  absorb(part: BuilderPart, addresses: AddressTable): void {
    const tokens = splitList(part.tokens);
    const surnames = splitList(part.surnames);
    const givens = splitList(part.givens);
    const blob = Buffer.from(part.blob.buffer, part.blob.byteOffset, part.blob.byteLength);
    // The part's bytes in one copy (entries merged away inside the part, or here, are left
    // behind as unused bytes: build() copies only the entries in use).
    this.reserve(blob.length);
    const base = this.blobLen;
    this.blobLen += blob.copy(this.blob, base);
    const newId = new Int32Array(part.count);
    const surnameSeq = new Int32Array(surnames.length).fill(-1);
    const givenSeq = new Int32Array(givens.length).fill(-1);
    let a = 0;
    let len = 0;
    const key = () => {
      const fs = blob.indexOf(0x1f, a);
      return normalizeAddress(blob.toString("utf8", a, fs >= 0 && fs < a + len ? fs : a + len));
    };
    for (let p = 0; p < part.count; p++) {
      a = part.offs[p]!;
      len = part.lens[p]!;
      const h = part.emailHashes[p]!;
      const at = addresses.find(h, key);
      if (at !== undefined) {
        newId[p] = -1;
        this.merge(at, decodeEntry(blob.toString("utf8", a, a + len)));
        continue;
      }
      const q = this.offs.n;
      if (q + 1 >= ID_LIMIT) throw new Error(`too many entries for the index format (${q + 1})`);
      newId[p] = q;
      this.offs.push(base + a);
      this.lens.push(len);
      this.types.push(part.types[p]!);
      const s = part.surnameIds[p]!;
      if (surnameSeq[s] === -1) surnameSeq[s] = this.nameSeq(surnames[s]!, "surname");
      const g = part.givenIds[p]!;
      if (givenSeq[g] === -1) givenSeq[g] = this.nameSeq(givens[g]!, "givenName");
      this.surnameIds.push(surnameSeq[s]!);
      this.givenIds.push(givenSeq[g]!);
      this.emailHashes.push(h);
      this.idNatHashes.push(part.idNatHashes[p]!);
      this.hasIdNat.push(part.hasIdNat[p]!);
      addresses.register(h, key, q);
    }
    // Token ids are translated on first use, so a token only a merged-away entry had never
    // enters the dictionary (as in a one-part parse).
    const tokenId = new Int32Array(tokens.length).fill(-1);
    for (let i = 0; i < part.pairKey.length; i++) {
      const q = newId[part.pairEntry[i]!]!;
      if (q < 0) continue;
      const k = part.pairKey[i]!;
      const tok = (k / FIELDS) | 0;
      let id = tokenId[tok]!;
      if (id === -1) id = tokenId[tok] = this.tokenId(tokens[tok]!);
      this.pairEntry.push(q);
      this.pairKey.push(id * FIELDS + (k - tok * FIELDS));
    }
  }

  /** A name's distinct-value number here (its keys are computed only if ever needed). */
  private nameSeq(value: string, column: "surname" | "givenName"): number {
    const c = this.caches[COL[column]]!;
    let r = c.get(value);
    if (r === undefined) {
      r = this.newRecord(null);
      c.set(own(value), r);
    }
    if (this.records.a[r] === 0) this.number(r, value, column);
    return this.seqOf(r);
  }

  /** The distinct names, for `distinctRanks` in another thread (see build's `pre`). */
  nameLists(): { surnames: JoinedList; givens: JoinedList } {
    return { surnames: join(this.surnameValues), givens: join(this.givenValues) };
  }

  /**
   * Entry → rank of its e-mail by French collation among the entries with neither surname nor
   * given name (-1 for the others). Those (most ORG, APP, CAB mailboxes) tie on the names, so the
   * e-mail orders them: one sort here instead of a long one inside build (see build's `pre`).
   */
  namelessEmailRanks(): Int32Array {
    const n = this.offs.n;
    const rank = new Int32Array(n).fill(-1);
    const rs = this.caches[COL.surname]!.get("");
    const rg = this.caches[COL.givenName]!.get("");
    if (rs === undefined || rg === undefined || this.records.a[rs] === 0 || this.records.a[rg] === 0) return rank;
    const noSurname = this.seqOf(rs);
    const noGiven = this.seqOf(rg);
    const members: number[] = [];
    for (let p = 0; p < n; p++) if (this.surnameIds.a[p] === noSurname && this.givenIds.a[p] === noGiven) members.push(p);
    const emails = members.map((p) => this.emailAt(p));
    // Equal e-mails (by collation) keep the order of first appearance, as a stable sort would.
    const byEmail = members.map((_, i) => i).sort((x, y) => frenchCollator.compare(emails[x]!, emails[y]!) || x - y);
    byEmail.forEach((i, r) => {
      rank[members[i]!] = r;
    });
    return rank;
  }

  /** The dictionary: the distinct tokens sorted (see build's `pre`). */
  sortedTokens(): string[] {
    // The default sort orders strings by UTF-16 code units, like `<` (and much faster than a
    // comparator); tokens are unique, so the order is total.
    return this.tokenList.slice().sort();
  }

  /**
   * The packed index. `pre`: parts computed beforehand, possibly in another thread at the same
   * time (import-threads.ts): the names' ranks (distinctRanks of nameLists) and the dictionary
   * (sortedTokens); no more entries may be added after they were taken.
   */
  build(
    onProgress?: (done: number, total: number) => void,
    pre: { surnameRank?: Uint32Array; givenRank?: Uint32Array; dict?: string[]; namelessEmailRank?: Int32Array } = {},
  ): IndexParts {
    const n = this.offs.n;
    const { order, finalId } = this.finalOrder(pre);
    onProgress?.(Math.floor(n / 4), n);
    const dict = pre.dict ?? this.sortedTokens();
    const posting = this.postingLists(finalId, dict);
    onProgress?.(Math.floor(n / 2), n);
    const packed = packEntries(this.entryColumns(), order);
    onProgress?.(Math.floor((n * 3) / 4), n);
    return { dict, ...posting, ...packed };
  }

  /**
   * 1. Final ids in tie-break order (type, surname, given name, e-mail): stable counting sorts on
   * the collation ranks (linear), then the e-mail inside the groups equal on the rest.
   * `order[id]` = the provisional number of the entry with final id `id`; `finalId` the inverse.
   */
  finalOrder(pre: { surnameRank?: Uint32Array; givenRank?: Uint32Array; namelessEmailRank?: Int32Array } = {}): {
    order: Uint32Array;
    finalId: Uint32Array;
  } {
    const n = this.offs.n;
    const surnameRank = pre.surnameRank ?? distinctRanks(this.surnameValues);
    const givenRank = pre.givenRank ?? distinctRanks(this.givenValues);
    if (surnameRank.length !== this.surnameValues.length || givenRank.length !== this.givenValues.length) {
      throw new Error("name ranks computed before the last entry was added");
    }
    const sr = new Uint32Array(n);
    const gr = new Uint32Array(n);
    for (let p = 0; p < n; p++) {
      sr[p] = surnameRank[this.surnameIds.a[p]!]!;
      gr[p] = givenRank[this.givenIds.a[p]!]!;
    }
    const ty = this.types.a.subarray(0, n);
    let order: Uint32Array = new Uint32Array(n);
    for (let p = 0; p < n; p++) order[p] = p;
    for (const [keys, size] of [
      [gr, givenRank.length],
      [sr, surnameRank.length],
      [ty, 4],
    ] as const) {
      order = countingSortBy(order, keys, size);
    }
    const nameless = pre.namelessEmailRank ?? this.namelessEmailRanks();
    for (let i = 0; i < n; ) {
      let j = i + 1;
      const a = order[i]!;
      while (j < n && ty[order[j]!] === ty[a] && sr[order[j]!] === sr[a] && gr[order[j]!] === gr[a]) j++;
      if (j - i > 1) {
        const members = order.subarray(i, j);
        if (nameless[a]! >= 0) {
          // A group of mailboxes without names (same surname and given name: all without): ranked already.
          members.set(Array.from(members).sort((x, y) => nameless[x]! - nameless[y]!));
        } else {
          const group = Array.from(members, (p) => ({ p, email: this.emailAt(p) }));
          group.sort((x, y) => frenchCollator.compare(x.email, y.email));
          members.set(group.map((g) => g.p));
        }
      }
      i = j;
    }
    const finalId = new Uint32Array(n);
    for (let id = 0; id < n; id++) finalId[order[id]!] = id;
    return { order, finalId };
  }

  /**
   * 2–3. The posting lists, from the sorted dictionary (sortedTokens) and the final ids: pairs
   * sorted by final entry id (counting sort), then (stably) by key, so each list comes out sorted
   * by id; a duplicate (same entry, same key) is then adjacent.
   */
  postingLists(finalId: Uint32Array, dict: string[]): { postStart: Uint32Array; postings: Uint32Array } {
    const n = this.offs.n;
    const t = this.tokenList.length;
    if (dict.length !== t) throw new Error("dictionary sorted before the last entry was added");
    const finalTok = new Uint32Array(t);
    for (let rank = 0; rank < t; rank++) finalTok[this.tokenIds.get(dict[rank]!)!] = rank;
    const m = this.pairKey.n;
    const pe = this.pairEntry.a;
    const pk = this.pairKey.a;
    const byEntryStart = new Uint32Array(n + 1);
    for (let i = 0; i < m; i++) byEntryStart[finalId[pe[i]!]! + 1]!++;
    for (let i = 1; i <= n; i++) byEntryStart[i]! += byEntryStart[i - 1]!;
    // The pairs' keys, already remapped to final token ids, in final entry order: both passes
    // below then read them sequentially.
    const keys = new Uint32Array(m);
    {
      const cur = byEntryStart.slice(0, n);
      for (let i = 0; i < m; i++) {
        const k = pk[i]!;
        const tok = (k / FIELDS) | 0;
        keys[cur[finalId[pe[i]!]!]!++] = finalTok[tok]! * FIELDS + (k - tok * FIELDS);
      }
    }
    const slots = t * FIELDS;
    const last = new Int32Array(slots).fill(-1);
    const postStart = new Uint32Array(slots + 1);
    for (let id = 0; id < n; id++) {
      for (let j = byEntryStart[id]!, end = byEntryStart[id + 1]!; j < end; j++) {
        const k = keys[j]!;
        if (last[k] !== id) {
          last[k] = id;
          postStart[k + 1]!++;
        }
      }
    }
    for (let i = 1; i <= slots; i++) postStart[i]! += postStart[i - 1]!;
    const postings = new Uint32Array(postStart[slots]!);
    const cursor = postStart.slice(0, slots);
    last.fill(-1);
    for (let id = 0; id < n; id++) {
      for (let j = byEntryStart[id]!, end = byEntryStart[id + 1]!; j < end; j++) {
        const k = keys[j]!;
        if (last[k] !== id) {
          last[k] = id;
          postings[cursor[k]!++] = id;
        }
      }
    }
    return { postStart, postings };
  }

  /**
   * The per-entry columns packEntries needs, trimmed views (for a transfer to another thread:
   * `buffers`). After a transfer this builder can no longer read its entries.
   */
  entryColumns(): EntryColumns {
    const n = this.offs.n;
    return {
      blob: this.blob.subarray(0, this.blobLen),
      offs: this.offs.a.subarray(0, n),
      lens: this.lens.a.subarray(0, n),
      emailHashes: this.emailHashes.a.subarray(0, n),
      idNatHashes: this.idNatHashes.a.subarray(0, n),
      hasIdNat: this.hasIdNat.a.subarray(0, n),
    };
  }
}

/** What packEntries reads: per provisional entry, its bytes and its exact-lookup hashes. */
export interface EntryColumns {
  blob: Uint8Array;
  offs: Uint32Array;
  lens: Uint32Array;
  emailHashes: Uint32Array;
  idNatHashes: Uint32Array;
  hasIdNat: Uint32Array;
}

export type PackedEntries = Pick<IndexParts, "entryOffsets" | "entries" | "emailHash" | "emailIds" | "idNatHash" | "idNatIds">;

/** 4–5. The entries' bytes and the exact-lookup tables in final id order (pure: runs in a worker thread too). */
export function packEntries(c: EntryColumns, order: Uint32Array): PackedEntries {
  const n = order.length;
  const entryOffsets = new Uint32Array(n + 1);
  let total = 0;
  for (let id = 0; id < n; id++) total += c.lens[order[id]!]!;
  const entries = Buffer.allocUnsafe(total);
  let off = 0;
  for (let id = 0; id < n; id++) {
    const p = order[id]!;
    entryOffsets[id] = off;
    const a = c.offs[p]!;
    const len = c.lens[p]!;
    entries.set(c.blob.subarray(a, a + len), off); // Buffer#copy checks its arguments at a cost
    off += len;
  }
  entryOffsets[n] = off;
  const email = hashTable(order, c.emailHashes, null);
  const idNat = hashTable(order, c.idNatHashes, c.hasIdNat);
  return { entryOffsets, entries, emailHash: email.hash, emailIds: email.ids, idNatHash: idNat.hash, idNatIds: idNat.ids };
}

/** Convenience for tests and benchmarks: entries already merged. */
export function buildIndex(entries: StoredEntry[]): IndexParts {
  const b = new IndexBuilder();
  for (const e of entries) b.add(e);
  return b.build();
}
