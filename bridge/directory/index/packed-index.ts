/**
 * Search and lookups over a loaded packed index (see build-index.ts for the layout).
 *
 * A query is a list of tokens, each a union of dictionary prefix ranges. One token: walk the
 * posting lists rank class by rank class (whole surname exact, surname part exact, surname prefix,
 * given name, the rest),
 * taking the smallest ids, which are already in tie-break order, so only ~k items per list are
 * read. Several tokens: the token with the smallest volume drives; the others are marked in byte
 * maps (best match code per entry) and every driver candidate is checked against them (AND).
 */
import type { DirectoryEntry } from "../../../shared/domain/directory-entry.ts";
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from "../../../shared/domain/directory-entry.ts";
import { decodeEntry, toDirectoryEntry, type StoredEntry } from "../search/entry.ts";
import { identifierKeys } from "../search/identifier.ts";
import { normalizeIdNat, parseQuery, type QueryToken } from "../search/normalize.ts";
import { normalizeAddress } from "../../../shared/domain/address.ts";
import { Code, firstMatchedPlace, idOfKey, rankClass, rankKey, TopK, WORST_CLASS } from "../search/rank.ts";
import { oneEditVariants, TYPO_MIN_LENGTH } from "../search/typo.ts";
import { FIELD_EMAIL, FIELD_GIVEN, FIELD_OTHER, FIELD_SURNAME, FIELD_SURNAME_PART, FIELDS, hash32 } from "./build-index.ts";
import type { LoadedIndex } from "./index-file.ts";

export interface SearchResult {
  results: DirectoryEntry[];
  matchedOtherFields: boolean;
  fuzzy: boolean;
}

interface TokenPlan {
  prefixes: string[];
  ranges: [number, number][];
  /** Token ids equal to one of the prefixes (for the "surname exact" and "surname part" classes). */
  exact: Set<number>;
  /** Fields searched: all, or for an initial (one character) the names and e-mail only. */
  fields: number;
  /** Postings in the searched fields of the ranges. */
  volume: number;
}

/** The match code of a posting list: field f of token t. */
function codeOf(f: number, exact: boolean): number {
  switch (f) {
    case FIELD_SURNAME:
      return exact ? Code.SURNAME_EXACT : Code.SURNAME_PREFIX;
    case FIELD_SURNAME_PART:
      return exact ? Code.SURNAME_PART : Code.SURNAME_PREFIX;
    case FIELD_GIVEN:
      return Code.GIVEN;
    case FIELD_EMAIL:
      return Code.EMAIL;
    default:
      return Code.OTHER;
  }
}

const SURNAME_FIELDS = [FIELD_SURNAME, FIELD_SURNAME_PART];
const LATER_FIELDS = [FIELD_GIVEN, FIELD_EMAIL, FIELD_OTHER];

export class PackedIndex {
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

  private plan(prefixes: string[], initial: boolean): TokenPlan {
    const ps = this.data.postStart;
    const ranges: [number, number][] = [];
    const exact = new Set<number>();
    const kept: string[] = [];
    const fields = initial ? FIELD_OTHER : FIELDS; // FIELD_OTHER is the last field
    let volume = 0;
    for (const p of prefixes) {
      const lo = this.lowerBound(p);
      const hi = this.lowerBound(`${p}\uffff`);
      if (hi <= lo) continue;
      let v = ps[hi * FIELDS]! - ps[lo * FIELDS]!;
      if (initial) for (let t = lo; t < hi; t++) v -= ps[t * FIELDS + FIELD_OTHER + 1]! - ps[t * FIELDS + FIELD_OTHER]!;
      if (v === 0) continue;
      kept.push(p);
      ranges.push([lo, hi]);
      if (this.data.dict[lo] === p) exact.add(lo);
      volume += v;
    }
    return { prefixes: kept, ranges, exact, fields, volume };
  }

  /**
   * Per-token maps of "best match code" per entry, stamped with a query generation so they never
   * need clearing: a cell counts only if its stamp is the current generation.
   */
  private readonly maps: Uint16Array[] = [];
  private gen = 0;

  private map(i: number): Uint16Array {
    while (this.maps.length <= i) this.maps.push(new Uint16Array(this.count));
    return this.maps[i]!;
  }

  private nextGeneration(): number {
    this.gen++;
    if (this.gen >= 8192) {
      for (const m of this.maps) m.fill(0);
      this.gen = 1;
    }
    return this.gen;
  }

  /**
   * Marks every entry the token matches with its best code + 1 (stamped with `gen`). Returns the
   * best rank class it gave any entry (a bound for searchMany).
   */
  private mark(plan: TokenPlan, m: Uint16Array, gen: number): number {
    const ps = this.data.postStart;
    const post = this.data.postings;
    const stamp = gen << 3;
    let best = WORST_CLASS;
    for (const [lo, hi] of plan.ranges) {
      for (let t = lo; t < hi; t++) {
        for (let f = 0; f < plan.fields; f++) {
          const end = ps[t * FIELDS + f + 1]!;
          let i = ps[t * FIELDS + f]!;
          if (i === end) continue;
          const code = codeOf(f, f <= FIELD_SURNAME_PART && plan.exact.has(t));
          if (rankClass(code) < best) best = rankClass(code);
          const v = stamp | (code + 1);
          for (; i < end; i++) {
            const id = post[i]!;
            const cur = m[id]!;
            if (cur >>> 3 !== gen || v < cur) m[id] = v;
          }
        }
      }
    }
    return best;
  }

  /**
   * Calls fn(start, end, code) for each non-empty posting list of the token, best codes first:
   * the exact tokens' whole-surname then surname-part lists (a handful), then one pass over the
   * ranges for both surname fields as prefix, then given name, e-mail and (unless the token is an
   * initial) other fields. Four passes over a prefix range, the cost that matters for short prefixes.
   * Stops as soon as fn returns true.
   */
  // biome-ignore lint/complexity/noExcessiveCognitiveComplexity: the posting-list walk of every search token, one loop nest on the hottest path of search
  private eachList(plan: TokenPlan, fn: (a: number, b: number, code: number) => boolean): void {
    const ps = this.data.postStart;
    for (const f of SURNAME_FIELDS) {
      const code = codeOf(f, true);
      for (const t of plan.exact) {
        const a = ps[t * FIELDS + f]!;
        const b = ps[t * FIELDS + f + 1]!;
        if (b > a && fn(a, b, code)) return;
      }
    }
    // FIELD_SURNAME and FIELD_SURNAME_PART are adjacent: ps[…+1] ends one and starts the other.
    for (const [lo, hi] of plan.ranges) {
      for (let t = lo; t < hi; t++) {
        const a = ps[t * FIELDS + FIELD_SURNAME]!;
        const m = ps[t * FIELDS + FIELD_SURNAME_PART]!;
        const b = ps[t * FIELDS + FIELD_SURNAME_PART + 1]!;
        if (b === a || plan.exact.has(t)) continue;
        if (m > a && fn(a, m, Code.SURNAME_PREFIX)) return;
        if (b > m && fn(m, b, Code.SURNAME_PREFIX)) return;
      }
    }
    for (const f of LATER_FIELDS) {
      if (f >= plan.fields) continue;
      const code = codeOf(f, false);
      for (const [lo, hi] of plan.ranges) {
        for (let t = lo; t < hi; t++) {
          const a = ps[t * FIELDS + f]!;
          const b = ps[t * FIELDS + f + 1]!;
          if (b > a && fn(a, b, code)) return;
        }
      }
    }
  }

  /**
   * One token: class by class, smallest ids (= best tie-break) first. Ids are sorted in each list,
   * so a list is abandoned as soon as its next id cannot enter the top k.
   */
  private searchOne(plan: TokenPlan, k: number): { id: number; code: number }[] {
    const post = this.data.postings;
    const taken = this.map(0);
    const gen = this.nextGeneration();
    const takenMark = (gen << 3) | 1;
    const out: { id: number; code: number }[] = [];
    let phaseClass = -1;
    let top = new TopK(k);
    const codes = new Map<number, number>();
    const flush = () => {
      for (const id of top.items) {
        taken[id] = takenMark;
        out.push({ id, code: codes.get(id) ?? Code.OTHER });
      }
      codes.clear();
    };
    let done = false;
    this.eachList(plan, (a, b, code) => {
      const cls = rankClass(code);
      if (cls !== phaseClass) {
        if (phaseClass >= 0) flush();
        if (out.length >= k) {
          done = true;
          return true; // the k best are known: the worse classes are not read
        }
        phaseClass = cls;
        top = new TopK(k - out.length);
      }
      for (let i = a; i < b; i++) {
        const id = post[i]!;
        if (taken[id] === takenMark) continue;
        if (!top.offer(id)) break;
        if (!codes.has(id)) codes.set(id, code);
      }
      return false;
    });
    if (!done && phaseClass >= 0) flush();
    return out.slice(0, k);
  }

  /**
   * Several tokens: all but the largest are marked in maps; the largest is streamed, best codes
   * first, and each of its entries found in every map is ranked. Cost ~ the tokens' volumes, less
   * the ends of the streamed lists: once the k best are held, a list is left as soon as even the
   * best classes the marked tokens gave anyone could not bring its next id (ids ascend) into them.
   */
  private searchMany(plans: TokenPlan[], k: number): { id: number; codes: number[] }[] {
    const order = plans.map((_, i) => i).sort((a, b) => plans[a]!.volume - plans[b]!.volume);
    const streamed = order[order.length - 1]!;
    const marked = order.slice(0, -1);
    const gen = this.nextGeneration();
    const maps = marked.map((_, j) => this.map(j));
    const bestMarked = marked.map((pi, j) => this.mark(plans[pi]!, maps[j]!, gen));
    const bestMarkedMin = Math.min(...bestMarked);
    const bestMarkedSum = bestMarked.reduce((a, c) => a + c, 0);
    const post = this.data.postings;
    const top = new TopK(k);
    const streamedCode = new Map<number, number>();
    const nm = maps.length;
    // biome-ignore lint/complexity/noExcessiveCognitiveComplexity: the inner loop of every multi-word search, run per posting and per word; kept inline on the hottest path of search
    this.eachList(plans[streamed]!, (a, b, code) => {
      const sc = rankClass(code);
      // The best key any id of this list can get is floor + id: ids at or past `limit` cannot enter.
      const floor = rankKey(Math.min(sc, bestMarkedMin), sc + bestMarkedSum, 0);
      let limit = top.full ? top.worst - floor : Infinity;
      for (let i = a; i < b; i++) {
        const id = post[i]!;
        if (id >= limit) break;
        let min = sc;
        let sum = sc;
        let ok = true;
        for (let j = 0; j < nm; j++) {
          const v = maps[j]![id]!;
          if (v >>> 3 !== gen) {
            ok = false;
            break;
          }
          const c = rankClass((v & 7) - 1);
          if (c < min) min = c;
          sum += c;
        }
        if (!ok) continue;
        // Lists come best code first, so an id seen again can only rank worse: keep the first.
        if (top.offerUnique(rankKey(min, sum, id), id)) {
          if (!streamedCode.has(id)) streamedCode.set(id, code);
          if (top.full) limit = top.worst - floor;
        }
      }
      return false;
    });
    return top.items.map((key) => {
      const id = idOfKey(key);
      const codes = new Array<number>(plans.length);
      codes[streamed] = streamedCode.get(id) ?? Code.OTHER;
      marked.forEach((pi, j) => {
        codes[pi] = (maps[j]![id]! & 7) - 1;
      });
      return { id, codes };
    });
  }

  private run(tokens: QueryToken[], k: number, fuzzy: boolean): { id: number; codes: number[]; prefixes: string[][] }[] {
    const plans = tokens.map((t) => {
      const prefixes = fuzzy && t.text.length >= TYPO_MIN_LENGTH ? [...t.prefixes, ...oneEditVariants(t.text)] : t.prefixes;
      return this.plan(prefixes, t.initial);
    });
    if (plans.some((p) => p.volume === 0)) return [];
    const prefixes = plans.map((p) => p.prefixes);
    if (plans.length === 1) return this.searchOne(plans[0]!, k).map((r) => ({ id: r.id, codes: [r.code], prefixes }));
    return this.searchMany(plans, k).map((r) => ({ ...r, prefixes }));
  }

  readEntry(id: number): StoredEntry {
    return decodeEntry(this.data.readEntryText(id));
  }

  /**
   * A query that is a national identifier (search/identifier.ts): the mailboxes of that idNat,
   * through the exact lookup table, in tie-break order. Ordinary queries cost one regular expression.
   */
  private identifierHits(query: string): { id: number; entry: StoredEntry }[] {
    for (const key of identifierKeys(query)) {
      const found = this.hashLookup(this.data.idNatHash, this.data.idNatIds, key)
        .sort((a, b) => a - b)
        .map((id) => ({ id, entry: this.readEntry(id) }))
        .filter((h) => h.entry.idNat === key);
      if (found.length) return found;
    }
    return [];
  }

  search(query: string, limit = DEFAULT_SEARCH_LIMIT): SearchResult {
    const k = Math.max(1, Math.min(MAX_SEARCH_LIMIT, Math.floor(limit) || DEFAULT_SEARCH_LIMIT));
    const tokens = parseQuery(query);
    if (tokens.length === 0 || this.count === 0) return { results: [], matchedOtherFields: false, fuzzy: false };
    // The person a typed identifier names comes first, then the usual results.
    const byId = this.identifierHits(query);
    let fuzzy = false;
    let hits = this.run(tokens, k, false);
    if (hits.length === 0 && byId.length === 0 && tokens.some((t) => t.text.length >= TYPO_MIN_LENGTH)) {
      hits = this.run(tokens, k, true);
      fuzzy = hits.length > 0;
    }
    // The identifier is a field other than name and e-mail (an autocomplete must not filter on those).
    let matchedOtherFields = byId.length > 0;
    const shown = new Set(byId.map((h) => h.id));
    const results = byId.map((h) => toDirectoryEntry(h.entry));
    for (const h of hits) {
      if (results.length >= k) break;
      if (shown.has(h.id)) continue;
      const e = this.readEntry(h.id);
      // Place-level matching only concerns tokens that matched a descriptive field.
      const placeTokens = h.prefixes.filter((_, i) => h.codes[i] === Code.OTHER);
      if (placeTokens.length) matchedOtherFields = true;
      const place = placeTokens.length ? firstMatchedPlace(e.places, placeTokens) : 0;
      results.push(toDirectoryEntry(e, place));
    }
    return { results: results.slice(0, k), matchedOtherFields, fuzzy };
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
