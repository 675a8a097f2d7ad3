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
import { MAX_QUERY_TOKENS, normalizeIdNat, parseQuery, type QueryToken } from "../search/normalize.ts";
import { NameKind, type Phrases, phraseRuns } from "../search/phrases.ts";
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

/** A posting list of a typed run of words that spells a whole name (search/phrases.ts). */
interface PhraseList {
  start: number;
  end: number;
  code: number;
  /** The run's index in the query's phrases. */
  run: number;
}

interface TokenPlan {
  prefixes: string[];
  /** The whole-name lists of the runs this token belongs to, streamed and marked before the others. */
  phrases: PhraseList[];
  ranges: [number, number][];
  /** Token ids equal to one of the prefixes (for the "surname exact" and "surname part" classes). */
  exact: ReadonlySet<number>;
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

/** Marks the ids of postings[start, end) with `v` (a code + 1 stamped with `gen`) unless marked better. */
function markList(post: Uint32Array, start: number, end: number, m: Uint16Array, gen: number, v: number): void {
  for (let i = start; i < end; i++) {
    const id = post[i]!;
    const cur = m[id]!;
    if (cur >>> 4 !== gen || v < cur) m[id] = v;
  }
}

/** The first index in post[from, end) whose id is `id` or more (`end` if none): galloping, then halving. */
function seek(post: Uint32Array, from: number, end: number, id: number): number {
  let lo = from;
  let hi = from;
  for (let step = 1; hi < end && post[hi]! < id; step *= 2) {
    lo = hi + 1;
    hi += step;
  }
  if (hi > end) hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (post[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The smallest id above `id` in `lists` (Infinity if none), from each list's cursor, which moves on
 * (the ids asked ascend).
 */
function nextOptional(post: Uint32Array, lists: PhraseList[], cursor: number[], id: number): number {
  let next = Infinity;
  for (let j = 0; j < lists.length; j++) {
    const end = lists[j]!.end;
    const c = seek(post, cursor[j]!, end, id + 1);
    cursor[j] = c;
    if (c < end && post[c]! < next) next = post[c]!;
  }
  return next;
}

/**
 * Whether `id` is marked in one of the maps in this generation with a code + 1 of at most the
 * map's cut (searchMany's optional maps).
 */
function inSome(maps: Uint16Array[], cuts: number[], id: number, gen: number): boolean {
  for (let j = 0; j < maps.length; j++) {
    const v = maps[j]![id]!;
    if (v >>> 4 === gen && (v & 15) <= cuts[j]!) return true;
  }
  return false;
}

/** Adds a run's list to a plan (its volume counts it). */
function addList(p: TokenPlan, list: PhraseList): void {
  p.phrases.push(list);
  p.volume += list.end - list.start;
}

/** Whether `lists` (an optional plan's) are all whole-surname lists, and exactly those of `of` (a token's). */
function sameLists(lists: PhraseList[], of: PhraseList[]): boolean {
  let n = 0;
  for (const l of of) if (l.code === Code.SURNAME_PHRASE && lists[n++] !== l) return false;
  return n === lists.length;
}

/**
 * The best rank classes phrase lists give: any entry (`best`), outside the lists of the runs in
 * `dominated` (`bulk`), and outside those of `dominated` and `stopped` too (`plain`): bounds for
 * searchMany, lowered by the token's other lists (mark).
 */
function phraseBounds(lists: PhraseList[], dominated: ReadonlySet<number>, stopped: ReadonlySet<number>): Bounds {
  const b = { best: WORST_CLASS, bulk: WORST_CLASS, plain: WORST_CLASS };
  for (const l of lists) {
    const c = rankClass(l.code);
    if (c < b.best) b.best = c;
    if (dominated.has(l.run)) continue;
    if (c < b.bulk) b.bulk = c;
    if (!stopped.has(l.run) && c < b.plain) b.plain = c;
  }
  return b;
}

/** The best rank classes a marked token gives (see mark). */
interface Bounds {
  best: number;
  bulk: number;
  plain: number;
}

const SURNAME_FIELDS = [FIELD_SURNAME, FIELD_SURNAME_PART];
/** The lists a run of several words adds (field, code), and those a stopword alone adds. */
const PHRASE_LISTS: [number, number][] = [
  [FIELD_SURNAME, Code.SURNAME_PHRASE],
  [FIELD_GIVEN, Code.GIVEN_PHRASE],
];
const STOPWORD_LISTS: [number, number][] = [[FIELD_SURNAME, Code.SURNAME_EXACT]];
const byCode = (a: PhraseList, b: PhraseList) => a.code - b.code;
const NO_IDS: ReadonlySet<number> = new Set();
const NO_PHRASES: Phrases = { runs: [], stopwords: [] };
const LATER_FIELDS = [FIELD_GIVEN, FIELD_EMAIL, FIELD_OTHER];

export class PackedIndex {
  readonly count: number;

  constructor(readonly data: LoadedIndex) {
    this.count = data.meta.count;
  }

  close(): void {
    this.data.close();
  }

  private lowerBound(s: string, from = 0, to = this.data.dict.length): number {
    const d = this.data.dict;
    let lo = from;
    let hi = to;
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
    return { prefixes: kept, phrases: [], ranges, exact, fields, volume };
  }

  /** isName for phraseRuns, made once. */
  private readonly isNameOf = (joined: string, words: number) => this.isName(joined, words);
  /** The dictionary ids isName found during the current search (addPhrases needs them again). */
  private readonly nameIds = new Map<string, number>();
  /** The run isName looked up last and its place in the dictionary (found or not). */
  private lastRun = "";
  private lastRunAt = 0;
  /** The current search's token plans: their prefixes' dictionary ranges (for isName). */
  private tokenPlans: TokenPlan[] = [];

  /**
   * Where to look `joined` up: within the dictionary range of a token's prefix it starts with
   * (`goffrose` among the `goff…` tokens: a few, just read by plan), else the whole dictionary.
   */
  private rangeOf(joined: string): [number, number] {
    for (const p of this.tokenPlans) {
      for (let i = 0; i < p.prefixes.length; i++) if (joined.startsWith(p.prefixes[i]!)) return p.ranges[i]!;
    }
    return [0, this.data.dict.length];
  }

  /** Whether some entry's whole surname (or, for several words, a given name's joined word) is `joined`. */
  private isName(joined: string, words: number): NameKind {
    const d = this.data.dict;
    let t: number;
    if (words > 2 && joined.startsWith(this.lastRun)) {
      // It extends the run of one word less looked up just before (`legall`, then `legallthomas`):
      // it sorts after it, usually a few tokens on (few names extend a whole name): gallop from there.
      let lo = this.lastRunAt;
      let hi = lo;
      for (let step = 1; hi < d.length && d[hi]! < joined; step *= 2) {
        lo = hi + 1;
        hi += step;
      }
      t = this.lowerBound(joined, lo, Math.min(hi, d.length));
    } else {
      t = this.lowerBound(joined, ...this.rangeOf(joined));
    }
    this.lastRun = joined;
    this.lastRunAt = t;
    if (d[t] !== joined) return NameKind.NONE;
    this.nameIds.set(joined, t);
    const ps = this.data.postStart;
    if (ps[t * FIELDS + FIELD_SURNAME + 1]! > ps[t * FIELDS + FIELD_SURNAME]!) return NameKind.SURNAME;
    return words > 1 && ps[t * FIELDS + FIELD_GIVEN + 1]! > ps[t * FIELDS + FIELD_GIVEN]! ? NameKind.GIVEN : NameKind.NONE;
  }

  /**
   * The runs of typed words that are some entry's whole surname or given name: each such list
   * joins the plans of the run's tokens; a run's dropped stopwords get a plan of their own made of
   * these lists only (`optional`: ranked, never required).
   */
  private addPhrases(phrases: Phrases, plans: TokenPlan[]): TokenPlan[] {
    const ps = this.data.postStart;
    const optional: TokenPlan[] = phrases.stopwords.map(() => ({
      prefixes: [],
      phrases: [],
      ranges: [],
      exact: NO_IDS,
      fields: 0,
      volume: 0,
    }));
    for (let run = 0; run < phrases.runs.length; run++) {
      const r = phrases.runs[run]!;
      const t = this.nameIds.get(r.joined) ?? this.lowerBound(r.joined);
      // A stopword alone is ranked as the whole surname it is (LE), never as a given name.
      for (const [f, code] of r.words > 1 ? PHRASE_LISTS : STOPWORD_LISTS) {
        const start = ps[t * FIELDS + f]!;
        const end = ps[t * FIELDS + f + 1]!;
        if (end === start) continue;
        const list = { start, end, code, run };
        for (const i of r.tokens) addList(plans[i]!, list);
        for (const i of r.stopwords) addList(optional[i]!, list);
      }
    }
    // Best code first (eachList); stable, so in run order within a code.
    for (const p of plans) if (p.phrases.length > 1) p.phrases.sort(byCode);
    for (const p of optional) if (p.phrases.length > 1) p.phrases.sort(byCode);
    return optional.filter((p) => p.phrases.length > 0);
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
    if (this.gen >= 4096) {
      for (const m of this.maps) m.fill(0);
      this.gen = 1;
    }
    return this.gen;
  }

  /**
   * Marks every entry the token matches with its best code + 1 (stamped with `gen`). Returns the
   * best rank classes it gave (phraseBounds).
   */
  private mark(plan: TokenPlan, m: Uint16Array, gen: number, dominated: ReadonlySet<number>, stopped: ReadonlySet<number>): Bounds {
    const ps = this.data.postStart;
    const post = this.data.postings;
    const stamp = gen << 4;
    const bounds = phraseBounds(plan.phrases, dominated, stopped);
    for (const l of plan.phrases) markList(post, l.start, l.end, m, gen, stamp | (l.code + 1));
    for (const [lo, hi] of plan.ranges) {
      for (let t = lo; t < hi; t++) {
        for (let f = 0; f < plan.fields; f++) {
          const end = ps[t * FIELDS + f + 1]!;
          const i = ps[t * FIELDS + f]!;
          if (i === end) continue;
          const code = codeOf(f, f <= FIELD_SURNAME_PART && plan.exact.has(t));
          const c = rankClass(code);
          if (c < bounds.best) bounds.best = c;
          if (c < bounds.bulk) bounds.bulk = c;
          if (c < bounds.plain) bounds.plain = c;
          markList(post, i, end, m, gen, stamp | (code + 1));
        }
      }
    }
    return bounds;
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
    for (const l of plan.phrases) if (fn(l.start, l.end, l.code)) return;
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
    const takenMark = (gen << 4) | 1;
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
   * The token streamed by searchMany: the largest (its whole-name lists counted), whether or not
   * typed words spell a name. Streaming a run's token instead (its whole-name lists first, which
   * tightens the bounds) made the others be marked whole: on `npm run bench:particles` the particle
   * names' p95 was 1.96× the previous ranking's, 0.84× with the largest streamed; same results.
   */
  private streamedToken(plans: TokenPlan[]): number {
    let best = 0;
    for (let i = 1; i < plans.length; i++) if (plans[i]!.volume > plans[best]!.volume) best = i;
    return best;
  }

  /**
   * Several tokens (or one with a run's stopwords): all but one are marked in maps; that one is
   * streamed, best codes first, and each of its entries found in every map is ranked. Cost ~ the
   * tokens' volumes, less the ends of the streamed lists: once the k best are held, a list is left
   * as soon as even the best classes the marked tokens gave anyone could not bring its next id (ids
   * ascend) into them. The streamed token's whole-name lists come first, so every entry of the runs
   * it belongs to is ranked there with its best key: the bounds for its other lists leave those runs
   * out. `optional`: a run's stopwords, ranked (the worst class when absent), never required.
   */
  private searchMany(plans: TokenPlan[], optional: TokenPlan[], k: number): { id: number; codes: number[] }[] {
    const streamed = this.streamedToken(plans);
    const marked = plans.map((_, i) => i).filter((i) => i !== streamed);
    const dominated = new Set(plans[streamed]!.phrases.map((l) => l.run));
    // The runs with stopwords: an id in none of the optional lists is in none of theirs either.
    const stopped = optional.length > 0 ? new Set(optional.flatMap((p) => p.phrases.map((l) => l.run))) : NO_IDS;
    const gen = this.nextGeneration();
    const maps = marked.map((_, j) => this.map(j));
    const bounds = marked.map((pi, j) => this.mark(plans[pi]!, maps[j]!, gen, dominated, stopped));
    // Each optional plan's map, and the highest code + 1 that counts in it. A plan that is exactly
    // the whole-surname lists of a marked token (`le` of `le gall thomas`: LEGALL's list, gall's
    // too) is not marked again: that token's map says it, by code 0 (no other list gives code 0).
    // One that is exactly those of the streamed token (`le roux jean`: LEROUX's list, streamed
    // first) has no map (`streamedOpt` counts them): an id of those lists gets its best key there
    // (class 0); seen again in the token's later lists, it counts as absent, a worse key still,
    // which cannot change the k best.
    const optMaps: Uint16Array[] = [];
    const optCuts: number[] = [];
    const optLists: PhraseList[] = [];
    let streamedOpt = 0;
    for (const p of optional) {
      const onStream = sameLists(p.phrases, plans[streamed]!.phrases);
      const j = onStream ? -1 : marked.findIndex((pi) => sameLists(p.phrases, plans[pi]!.phrases));
      if (onStream) streamedOpt++;
      else {
        optMaps.push(j >= 0 ? maps[j]! : this.map(marked.length + optMaps.length));
        optCuts.push(j >= 0 ? Code.SURNAME_PHRASE + 1 : 15);
        for (const l of p.phrases) if (!optLists.includes(l)) optLists.push(l);
      }
      bounds.push(
        onStream || j >= 0
          ? phraseBounds(p.phrases, dominated, stopped)
          : this.mark(p, optMaps[optMaps.length - 1]!, gen, dominated, stopped),
      );
    }
    const fullMin = Math.min(...bounds.map((b) => b.best));
    const fullSum = bounds.reduce((a, b) => a + b.best, 0);
    const bulkMin = Math.min(...bounds.map((b) => b.bulk));
    const bulkSum = bounds.reduce((a, b) => a + b.bulk, 0);
    const post = this.data.postings;
    const top = new TopK(k);
    const streamedCode = new Map<number, number>();
    const nm = maps.length;
    const no = optMaps.length;
    // The same bounds for an entry in none of the optional lists (each then counts the worst class).
    const markedBounds = bounds.slice(0, nm);
    const absentMin = Math.min(WORST_CLASS, ...markedBounds.map((b) => b.plain));
    const absentSum = markedBounds.reduce((a, b) => a + b.plain, 0) + optional.length * WORST_CLASS;
    // A cursor in each of the optional lists (those with a map, each once) for the streamed list being read.
    const cursor = optLists.map((l) => l.start);
    // biome-ignore lint/complexity/noExcessiveCognitiveComplexity: the inner loop of every multi-word search, run per posting and per word; kept inline on the hottest path of search
    this.eachList(plans[streamed]!, (a, b, code) => {
      const sc = rankClass(code);
      // The best key any id of this list can get is floor + id: ids at or past `limit` cannot enter.
      const phrase = code === Code.SURNAME_PHRASE || code === Code.GIVEN_PHRASE;
      const floor = rankKey(Math.min(sc, phrase ? fullMin : bulkMin), sc + (phrase ? fullSum : bulkSum), 0);
      // Past `absentLimit`, only an id of an optional list can enter (a stopword typed alone, LE:
      // `le louise` streams every Louise): the others are passed over without reading their maps.
      const absentFloor = phrase ? floor : rankKey(Math.min(sc, absentMin), sc + absentSum, 0);
      let limit = top.full ? top.worst - floor : Infinity;
      let absentLimit = top.full ? top.worst - absentFloor : Infinity;
      for (let j = 0; j < optLists.length; j++) cursor[j] = optLists[j]!.start;
      // The classes of the optional plans without a map (their lists are this token's code 0 ones).
      const onStream = code === Code.SURNAME_PHRASE ? 0 : streamedOpt * WORST_CLASS;
      for (let i = a; i < b; i++) {
        const id = post[i]!;
        if (id >= limit) break;
        if (id >= absentLimit && !inSome(optMaps, optCuts, id, gen)) {
          // Only an id of an optional list can still enter: on to the next one in this list.
          const next = nextOptional(post, optLists, cursor, id);
          if (next >= limit) break;
          i = seek(post, i + 1, b, next) - 1;
          continue;
        }
        let min = sc;
        let sum = sc + onStream;
        let ok = true;
        for (let j = 0; j < nm; j++) {
          const v = maps[j]![id]!;
          if (v >>> 4 !== gen) {
            ok = false;
            break;
          }
          const c = rankClass((v & 15) - 1);
          if (c < min) min = c;
          sum += c;
        }
        if (!ok) continue;
        for (let j = 0; j < no; j++) {
          const v = optMaps[j]![id]!;
          const c = v >>> 4 === gen && (v & 15) <= optCuts[j]! ? rankClass((v & 15) - 1) : WORST_CLASS;
          if (c < min) min = c;
          sum += c;
        }
        // Lists come best code first, so an id seen again can only rank worse: keep the first.
        if (top.offerUnique(rankKey(min, sum, id), id)) {
          if (!streamedCode.has(id)) streamedCode.set(id, code);
          if (top.full) {
            limit = top.worst - floor;
            absentLimit = top.worst - absentFloor;
          }
        }
      }
      return false;
    });
    return top.items.map((key) => {
      const id = idOfKey(key);
      const codes = new Array<number>(plans.length);
      codes[streamed] = streamedCode.get(id) ?? Code.OTHER;
      marked.forEach((pi, j) => {
        codes[pi] = (maps[j]![id]! & 15) - 1;
      });
      return { id, codes };
    });
  }

  /** The tokens' plans; `fuzzy`: with their one-edit variants. */
  private plans(tokens: QueryToken[], fuzzy: boolean): TokenPlan[] {
    return tokens.map((t) => {
      const prefixes = fuzzy && t.text.length >= TYPO_MIN_LENGTH ? [...t.prefixes, ...oneEditVariants(t.text)] : t.prefixes;
      return this.plan(prefixes, t.initial);
    });
  }

  private run(plans: TokenPlan[], k: number, phrases: Phrases): { id: number; codes: number[]; prefixes: string[][] }[] {
    const optional = phrases.runs.length > 0 ? this.addPhrases(phrases, plans) : [];
    if (plans.some((p) => p.volume === 0)) return [];
    const prefixes = plans.map((p) => p.prefixes);
    if (plans.length === 1 && optional.length === 0 && plans[0]!.phrases.length === 0) {
      return this.searchOne(plans[0]!, k).map((r) => ({ id: r.id, codes: [r.code], prefixes }));
    }
    return this.searchMany(plans, optional, k).map((r) => ({ ...r, prefixes }));
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

  /**
   * `options.phrases: false` ranks as before typed runs of words were matched to whole names
   * (search/phrases.ts): for the benchmark's comparison only.
   */
  search(query: string, limit = DEFAULT_SEARCH_LIMIT, options: { phrases?: boolean } = {}): SearchResult {
    const k = Math.max(1, Math.min(MAX_SEARCH_LIMIT, Math.floor(limit) || DEFAULT_SEARCH_LIMIT));
    const words: string[] = [];
    const tokens = parseQuery(query, MAX_QUERY_TOKENS, words);
    if (tokens.length === 0 || this.count === 0) return { results: [], matchedOtherFields: false, fuzzy: false };
    // The plans first: isName looks a run that starts with a token up within that token's range.
    const plans = this.plans(tokens, false);
    this.nameIds.clear();
    this.tokenPlans = plans;
    this.lastRun = "";
    this.lastRunAt = 0;
    const phrases = options.phrases === false ? NO_PHRASES : phraseRuns(words, tokens, this.isNameOf);
    // The person a typed identifier names comes first, then the usual results.
    const byId = this.identifierHits(query);
    let fuzzy = false;
    let hits = this.run(plans, k, phrases);
    if (hits.length === 0 && byId.length === 0 && tokens.some((t) => t.text.length >= TYPO_MIN_LENGTH)) {
      hits = this.run(this.plans(tokens, true), k, phrases);
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
