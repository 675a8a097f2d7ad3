/**
 * Search and lookups over a loaded packed index (see build-index.ts for the layout).
 *
 * A query is a list of tokens, each a union of dictionary prefix ranges. One token: walk the
 * posting lists rank class by rank class (surname exact, surname prefix, given name, the rest),
 * taking the smallest ids, which are already in tie-break order, so only ~k items per list are
 * read. Several tokens: the token with the smallest volume drives; the others are marked in byte
 * maps (best match code per entry) and every driver candidate is checked against them (AND).
 */
import type { DirectoryEntry } from "../../../shared/domain/directory-entry.ts";
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from "../../../shared/domain/directory-entry.ts";
import { decodeEntry, toDirectoryEntry, type StoredEntry } from "../search/entry.ts";
import { normalizeAddress, normalizeIdNat, parseQuery, type QueryToken } from "../search/normalize.ts";
import { Code, firstMatchedPlace, idOfKey, rankClass, rankKey, TopK } from "../search/rank.ts";
import { oneEditVariants, TYPO_MIN_LENGTH } from "../search/typo.ts";
import { FIELD_EMAIL, FIELD_GIVEN, FIELD_OTHER, FIELD_SURNAME, FIELDS, hash32 } from "./build-index.ts";
import type { LoadedIndex } from "./index-file.ts";

export interface SearchResult {
  results: DirectoryEntry[];
  matchedOtherFields: boolean;
  fuzzy: boolean;
}

interface TokenPlan {
  prefixes: string[];
  ranges: [number, number][];
  /** Token ids equal to one of the prefixes (for the "surname exact" class). */
  exact: Set<number>;
  volume: number;
}

const FIELD_CODES = [Code.SURNAME_PREFIX, Code.GIVEN, Code.EMAIL, Code.OTHER];

export class PackedIndex {
  private readonly maps: Uint8Array[] = [];
  readonly count: number;

  constructor(readonly data: LoadedIndex) {
    this.count = data.meta.count;
  }

  close(): void {
    this.data.close();
  }

  private lowerBound(s: string): number {
    const d = this.data.dict;
    let lo = 0;
    let hi = d.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[mid]! < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private plan(prefixes: string[]): TokenPlan {
    const ps = this.data.postStart;
    const ranges: [number, number][] = [];
    const exact = new Set<number>();
    const kept: string[] = [];
    let volume = 0;
    for (const p of prefixes) {
      const lo = this.lowerBound(p);
      const hi = this.lowerBound(p + "\uffff");
      if (hi <= lo) continue;
      kept.push(p);
      ranges.push([lo, hi]);
      if (this.data.dict[lo] === p) exact.add(lo);
      volume += ps[hi * FIELDS]! - ps[lo * FIELDS]!;
    }
    return { prefixes: kept, ranges, exact, volume };
  }

  private map(i: number): Uint8Array {
    while (this.maps.length <= i) this.maps.push(new Uint8Array(this.count));
    return this.maps[i]!;
  }

  /** Marks every entry the token matches with its best code + 1; returns ids first seen if asked. */
  private mark(plan: TokenPlan, m: Uint8Array, collect: number[] | null): void {
    const ps = this.data.postStart;
    const post = this.data.postings;
    for (const [lo, hi] of plan.ranges) {
      for (let t = lo; t < hi; t++) {
        for (let f = 0; f < FIELDS; f++) {
          const code = f === FIELD_SURNAME && plan.exact.has(t) ? Code.SURNAME_EXACT : FIELD_CODES[f]!;
          const v = code + 1;
          const end = ps[t * FIELDS + f + 1]!;
          for (let i = ps[t * FIELDS + f]!; i < end; i++) {
            const id = post[i]!;
            const cur = m[id]!;
            if (cur === 0) {
              m[id] = v;
              if (collect) collect.push(id);
            } else if (v < cur) m[id] = v;
          }
        }
      }
    }
  }

  private unmark(plan: TokenPlan, m: Uint8Array): void {
    const ps = this.data.postStart;
    const post = this.data.postings;
    for (const [lo, hi] of plan.ranges) {
      const end = ps[hi * FIELDS]!;
      for (let i = ps[lo * FIELDS]!; i < end; i++) m[post[i]!] = 0;
    }
  }

  /** One token: class by class, smallest ids first; returns (id, code) pairs in rank order. */
  private searchOne(plan: TokenPlan, k: number): { id: number; code: number }[] {
    const ps = this.data.postStart;
    const post = this.data.postings;
    const out: { id: number; code: number }[] = [];
    const taken = new Set<number>();
    const phases: { code: number; lists: [number, number][] }[] = [];
    const listsOf = (field: number, which: (t: number) => boolean) => {
      const lists: [number, number][] = [];
      for (const [lo, hi] of plan.ranges) {
        for (let t = lo; t < hi; t++) {
          if (!which(t)) continue;
          const a = ps[t * FIELDS + field]!;
          const b = ps[t * FIELDS + field + 1]!;
          if (b > a) lists.push([a, b]);
        }
      }
      return lists;
    };
    phases.push({ code: Code.SURNAME_EXACT, lists: listsOf(FIELD_SURNAME, (t) => plan.exact.has(t)) });
    phases.push({ code: Code.SURNAME_PREFIX, lists: listsOf(FIELD_SURNAME, (t) => !plan.exact.has(t)) });
    phases.push({ code: Code.GIVEN, lists: listsOf(FIELD_GIVEN, () => true) });
    for (const phase of phases) {
      if (out.length >= k) break;
      const top = new TopK(k - out.length);
      for (const [a, b] of phase.lists) {
        for (let i = a; i < b; i++) {
          const id = post[i]!;
          if (taken.has(id)) continue;
          if (!top.offer(id)) break;
        }
      }
      for (const id of top.items) {
        taken.add(id);
        out.push({ id, code: phase.code });
      }
    }
    if (out.length < k) {
      // E-mail and other fields share a rank class; keep each id's best code.
      const top = new TopK(k - out.length);
      const codes = new Map<number, number>();
      for (const [field, code] of [
        [FIELD_EMAIL, Code.EMAIL],
        [FIELD_OTHER, Code.OTHER],
      ] as const) {
        for (const [a, b] of listsOf(field, () => true)) {
          for (let i = a; i < b; i++) {
            const id = post[i]!;
            if (taken.has(id)) continue;
            if (!top.offer(id)) break;
            if (!codes.has(id)) codes.set(id, code);
          }
        }
      }
      for (const id of top.items) out.push({ id, code: codes.get(id) ?? Code.OTHER });
    }
    return out;
  }

  /** Several tokens: drive by the smallest, check the others in their maps. */
  private searchMany(plans: TokenPlan[], k: number): { id: number; codes: number[] }[] {
    const order = plans.map((_, i) => i).sort((a, b) => plans[a]!.volume - plans[b]!.volume);
    const driver = order[0]!;
    const candidates: number[] = [];
    plans.forEach((p, i) => this.mark(p, this.map(i), i === driver ? candidates : null));
    const maps = plans.map((_, i) => this.map(i));
    const top = new TopK(k);
    try {
      outer: for (const id of candidates) {
        let min = 9;
        let sum = 0;
        for (const m of maps) {
          const v = m[id]!;
          if (v === 0) continue outer;
          const c = rankClass(v - 1);
          if (c < min) min = c;
          sum += c;
        }
        top.offer(rankKey(min, sum, id));
      }
      return top.items.map((key) => {
        const id = idOfKey(key);
        return { id, codes: maps.map((m) => m[id]! - 1) };
      });
    } finally {
      plans.forEach((p, i) => this.unmark(p, this.map(i)));
    }
  }

  private run(tokens: QueryToken[], k: number, fuzzy: boolean): { id: number; codes: number[]; prefixes: string[][] }[] {
    const plans = tokens.map((t) => {
      const prefixes = fuzzy && t.text.length >= TYPO_MIN_LENGTH ? [...t.prefixes, ...oneEditVariants(t.text)] : t.prefixes;
      return this.plan(prefixes);
    });
    if (plans.some((p) => p.volume === 0)) return [];
    const prefixes = plans.map((p) => p.prefixes);
    if (plans.length === 1) return this.searchOne(plans[0]!, k).map((r) => ({ id: r.id, codes: [r.code], prefixes }));
    return this.searchMany(plans, k).map((r) => ({ ...r, prefixes }));
  }

  readEntry(id: number): StoredEntry {
    return decodeEntry(this.data.readEntryText(id));
  }

  search(query: string, limit = DEFAULT_SEARCH_LIMIT): SearchResult {
    const k = Math.max(1, Math.min(MAX_SEARCH_LIMIT, Math.floor(limit) || DEFAULT_SEARCH_LIMIT));
    const tokens = parseQuery(query);
    if (tokens.length === 0 || this.count === 0) return { results: [], matchedOtherFields: false, fuzzy: false };
    let fuzzy = false;
    let hits = this.run(tokens, k, false);
    if (hits.length === 0 && tokens.some((t) => t.text.length >= TYPO_MIN_LENGTH)) {
      hits = this.run(tokens, k, true);
      fuzzy = hits.length > 0;
    }
    let matchedOtherFields = false;
    const results = hits.map((h) => {
      const e = this.readEntry(h.id);
      // Place-level matching only concerns tokens that matched a descriptive field.
      const placeTokens = h.prefixes.filter((_, i) => h.codes[i] === Code.OTHER);
      if (placeTokens.length) matchedOtherFields = true;
      const place = placeTokens.length ? firstMatchedPlace(e.places, placeTokens) : 0;
      return toDirectoryEntry(e, place);
    });
    return { results, matchedOtherFields, fuzzy };
  }

  private hashLookup(hashes: Uint32Array, ids: Uint32Array, key: string): number[] {
    const h = hash32(key);
    let lo = 0;
    let hi = hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo; i < hashes.length && hashes[i] === h; i++) out.push(ids[i]!);
    return out;
  }

  /** Every mailbox of a professional (idNat, or an RPPS alone, which gets the prefix 8). */
  lookupByIdNat(idNat: string): DirectoryEntry[] {
    const key = normalizeIdNat(idNat);
    if (!key) return [];
    return this.hashLookup(this.data.idNatHash, this.data.idNatIds, key)
      .map((id) => this.readEntry(id))
      .filter((e) => e.idNat === key)
      .map((e) => toDirectoryEntry(e));
  }

  /** The entry for an address (case-insensitive, IDNA-normalised domain), or null. */
  lookupByAddress(address: string): DirectoryEntry | null {
    const key = normalizeAddress(address);
    for (const id of this.hashLookup(this.data.emailHash, this.data.emailIds, key)) {
      const e = this.readEntry(id);
      if (normalizeAddress(e.email) === key) return toDirectoryEntry(e);
    }
    return null;
  }
}
