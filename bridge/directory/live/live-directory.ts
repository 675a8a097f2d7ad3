/**
 * The live complement: ANS's FHIR Annuaire Santé API asked for what the offline directory does not
 * find (a mailbox created since the last daily extraction). The offline answer always comes first
 * (`directory.search` never waits for this); the extension asks `directory.searchLive` only after an
 * empty offline answer, and the bridge checks again that the offline directory finds nothing.
 *
 * Never a request per keystroke:
 * - only queries of at least `minQueryLength` characters (not counting spaces);
 * - debounced: a query waits `debounceMs`; a newer one arriving meanwhile (any connection: one
 *   bridge serves one user) supersedes it, and the superseded call answers at once, having sent nothing;
 * - cached: an answer is reused for `cacheSeconds` (the same words in any order);
 * - a token bucket of `requestsPerSecond` per bridge (one token per HTTP request, pages included);
 *   when it is spent for more than a second the call answers "rate-limited";
 * - after a failure the API is left alone for a while: a 429's Retry-After (1 s without one), 10 s
 *   when unreachable, 60 s when the key is refused; calls meanwhile answer that state at once.
 *
 * What is asked (one request per live search, unless paging or nobody matched):
 * `Practitioner?name=<longest word>&_revinclude=PractitionerRole:practitioner` (people, with the
 * mailboxes their practice situations carry), then only if no person matched,
 * `Organization?name=<longest word>&mailbox-mss:contains=@`. The other typed words are checked on the
 * entries here. `next` links are followed up to 3 pages while fewer than `limit` entries matched.
 * An address is looked up exactly (`mailbox-mss=`) on Practitioner, then PractitionerRole, then
 * Organization, stopping at the first that has it.
 */
import type { LiveDirectoryConfig } from "../../config/config.ts";
import type { Logger } from "../../log/logger.ts";
import type { DirectoryService, LiveDirectoryService, LiveLookupAnswer, LiveSearchAnswer } from "../../services.ts";
import type { DirectoryEntry } from "../../../shared/domain/directory-entry.ts";
import { DEFAULT_SEARCH_LIMIT } from "../../../shared/domain/directory-entry.ts";
import type { FhirAnswer, FhirGet } from "./fhir-client.ts";
import { bundleResources, entriesFromResources, matchesQuery, nextPageUrl, queryWords } from "./fhir-entries.ts";
import { burstFor, TokenBucket } from "./token-bucket.ts";
import { TtlCache } from "./ttl-cache.ts";

const MAX_PAGES = 3;
/** The longest a call waits for a token of the bucket before answering "rate-limited". */
const MAX_TOKEN_WAIT_MS = 1000;
const PAUSE_MS = { unreachable: 10_000, unauthorized: 60_000, "rate-limited": 1_000 } as const;

type Failure = Extract<FhirAnswer, { ok: false }>;
type LiveState = LiveSearchAnswer["state"];

export interface LiveDirectoryOptions {
  config: LiveDirectoryConfig;
  /** The offline directory (or LDAP): asked first; the API only when it finds nothing. */
  offline: DirectoryService;
  get: FhirGet;
  log: Pick<Logger, "info" | "warn">;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());

export class LiveDirectory implements LiveDirectoryService {
  private readonly config: LiveDirectoryConfig;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly bucket: TokenBucket;
  private readonly cache: TtlCache<DirectoryEntry[]>;
  private generation = 0;
  private pause: { until: number; failure: Failure } | null = null;
  private lastState: LiveState | null = null;

  constructor(private readonly opts: LiveDirectoryOptions) {
    this.config = opts.config;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? sleepReal;
    this.bucket = new TokenBucket(opts.config.requestsPerSecond, burstFor(opts.config.requestsPerSecond), this.now);
    this.cache = new TtlCache(opts.config.cacheSeconds * 1000, this.now);
  }

  async searchLive(query: string, limit = DEFAULT_SEARCH_LIMIT): Promise<LiveSearchAnswer> {
    if (query.replace(/\s+/g, "").length < this.config.minQueryLength) return answer([], "too-short");
    const words = queryWords(query);
    if (words.length === 0) return answer([], "too-short");
    if (await this.offlineFinds(() => this.opts.offline.search(query, 1).then((r) => r.results.length > 0))) {
      return answer([], "offline-hit");
    }
    const key = `s:${[...words].sort().join(" ")}`;
    const cached = this.cache.get(key);
    if (cached) return answer(cached.slice(0, limit), "ok");
    const generation = ++this.generation;
    await this.sleep(this.config.debounceMs);
    if (generation !== this.generation) return answer([], "superseded");
    const again = this.cache.get(key);
    if (again) return answer(again.slice(0, limit), "ok");
    const found = await this.searchApi(query, words[0]!, limit);
    if (!found.ok) return this.failed(found);
    this.cache.set(key, found.entries);
    return this.succeeded(found.entries.slice(0, limit));
  }

  async lookupLive(address: string): Promise<LiveLookupAnswer> {
    const wanted = address.trim().toLowerCase();
    if (await this.offlineFinds(() => this.opts.offline.lookupByAddress(address).then((e) => e !== null))) {
      return { entry: null, state: "offline-hit", retryAfterMs: null };
    }
    const key = `a:${wanted}`;
    let entries = this.cache.get(key);
    if (!entries) {
      const found = await this.lookupApi(wanted);
      if (!found.ok) {
        const f = this.failed(found);
        return { entry: null, state: f.state, retryAfterMs: f.retryAfterMs };
      }
      entries = found.entries;
      this.cache.set(key, entries);
    }
    const entry = entries.find((e) => e.email.toLowerCase() === wanted) ?? null;
    this.succeeded([]);
    return { entry, state: "ok", retryAfterMs: null };
  }

  /** Whether the offline directory answers; an unavailable one counts as finding nothing. */
  private async offlineFinds(ask: () => Promise<boolean>): Promise<boolean> {
    try {
      return await ask();
    } catch {
      return false;
    }
  }

  private async searchApi(query: string, word: string, limit: number): Promise<{ ok: true; entries: DirectoryEntry[] } | Failure> {
    const people = await this.pages(this.url("Practitioner", { name: word, _revinclude: "PractitionerRole:practitioner" }), query, limit);
    if (!people.ok || people.entries.length > 0) return people;
    return this.pages(this.url("Organization", { name: word, "mailbox-mss:contains": "@" }), query, limit);
  }

  private async lookupApi(address: string): Promise<{ ok: true; entries: DirectoryEntry[] } | Failure> {
    const asks: [string, Record<string, string>][] = [
      ["Practitioner", { "mailbox-mss": address, _revinclude: "PractitionerRole:practitioner" }],
      ["PractitionerRole", { "mailbox-mss": address, _include: "PractitionerRole:practitioner" }],
      ["Organization", { "mailbox-mss": address }],
    ];
    for (const [type, params] of asks) {
      const r = await this.pages(this.url(type, params), null, 1);
      if (!r.ok) return r;
      if (r.entries.some((e) => e.email.toLowerCase() === address)) return r;
    }
    return { ok: true, entries: [] };
  }

  private url(type: string, params: Record<string, string>): URL {
    const u = new URL(`${this.config.baseUrl.replace(/\/+$/, "")}/${type}`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u;
  }

  /** Pages of one search, entries matching `query` (all when null), until `limit` of them or MAX_PAGES. */
  private async pages(first: URL, query: string | null, limit: number): Promise<{ ok: true; entries: DirectoryEntry[] } | Failure> {
    const entries = new Map<string, DirectoryEntry>();
    let url: URL | null = first;
    for (let page = 0; url && page < MAX_PAGES && entries.size < limit; page++) {
      const got = await this.request(url);
      if (!got.ok) return got;
      for (const e of entriesFromResources(bundleResources(got.body))) {
        if (query === null || matchesQuery(e, query)) entries.set(e.email.toLowerCase(), e);
      }
      const next = nextPageUrl(got.body);
      url = next ? safeUrl(next) : null;
    }
    return { ok: true, entries: [...entries.values()] };
  }

  /** One request, within the pause and the bucket. */
  private async request(url: URL): Promise<FhirAnswer> {
    if (this.pause && this.now() < this.pause.until) {
      return { ...this.pause.failure, retryAfterMs: Math.max(0, this.pause.until - this.now()) };
    }
    if (!this.bucket.tryTake()) {
      const wait = this.bucket.waitMs();
      if (wait > MAX_TOKEN_WAIT_MS)
        return { ok: false, kind: "rate-limited", retryAfterMs: wait, message: "this bridge's share of calls is spent" };
      await this.sleep(wait);
      if (!this.bucket.tryTake())
        return { ok: false, kind: "rate-limited", retryAfterMs: this.bucket.waitMs(), message: "this bridge's share of calls is spent" };
    }
    const got = await this.opts.get(url);
    if (!got.ok) {
      const pauseMs = got.kind === "rate-limited" ? (got.retryAfterMs ?? PAUSE_MS["rate-limited"]) : PAUSE_MS[got.kind];
      this.pause = { until: this.now() + pauseMs, failure: got };
      return { ...got, retryAfterMs: pauseMs };
    }
    return got;
  }

  private failed(f: Failure): LiveSearchAnswer {
    this.noteState(f.kind, f.message);
    return answer([], f.kind, f.retryAfterMs);
  }

  private succeeded(results: DirectoryEntry[]): LiveSearchAnswer {
    this.noteState("ok", null);
    return answer(results, "ok");
  }

  /** One log line when the API's state changes (never the key, never the query). */
  private noteState(state: LiveState, message: string | null): void {
    if (state === this.lastState) return;
    const first = this.lastState === null;
    this.lastState = state;
    if (state === "ok") {
      if (!first) this.opts.log.info("live directory: the FHIR API answers again");
    } else {
      this.opts.log.warn("live directory: the FHIR API is not usable; the offline directory still answers", { state, reason: message });
    }
  }
}

function answer(results: DirectoryEntry[], state: LiveState, retryAfterMs: number | null = null): LiveSearchAnswer {
  return { results, state, retryAfterMs };
}

function safeUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}
