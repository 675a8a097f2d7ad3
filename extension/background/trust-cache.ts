/**
 * The trust-space list the guard decides with: the bridge's list when it answers, else the copy
 * kept in storage.local ("mss.trustCache", with the list's own date and when we fetched it), so the
 * guard still works while the bridge is down.
 *
 * The saved copy is only ever replaced by a better list: never by an empty one (a bridge with no
 * list answers TRUST_LIST_UNAVAILABLE; an empty answer is not a list), never by an older one, and —
 * unless this extension is a test/demo build — never by a test-only list (a demo bridge run on a
 * real data directory must not swap the real trust space for `.test` domains). Such a test-only list
 * is used, marked as such, only while no real list is saved, and kept in memory for this session.
 * A list dated more than a day ahead of the clock is refused, live or saved (datedInTheFuture).
 */
import type { Result } from "../../shared/protocol/schemas.ts";
import type { BridgeCaller } from "./bridge-caller.ts";
import type { TrustListView } from "./guard-decision.ts";
import type { Messenger } from "./messenger-types.ts";

export const TRUST_CACHE_KEY = "mss.trustCache";

export interface TrustCache {
  domains: string[];
  date: string | null;
  testOnly: boolean;
  fetchedAt: string;
}

function isTrustCache(v: unknown): v is TrustCache {
  if (!v || typeof v !== "object") return false;
  const c = v as Record<string, unknown>;
  return (
    Array.isArray(c.domains) &&
    c.domains.every((d) => typeof d === "string") &&
    (c.date === null || typeof c.date === "string") &&
    typeof c.testOnly === "boolean" &&
    typeof c.fetchedAt === "string"
  );
}

export async function readTrustCache(m: Messenger): Promise<TrustCache | null> {
  const v = (await m.storage.local.get(TRUST_CACHE_KEY))[TRUST_CACHE_KEY];
  return isTrustCache(v) ? v : null;
}

async function writeTrustCache(m: Messenger, c: TrustCache): Promise<void> {
  await m.storage.local.set({ [TRUST_CACHE_KEY]: c });
}

/**
 * How far in the future a list's date may be (clocks differ a little). A list dated later is refused,
 * as a live answer and as a saved copy: such a date would make it beat every real list for years
 * (a relay once answered a list "dated 2099" that then kept deciding after it was gone).
 */
export const MAX_TRUST_LIST_CLOCK_SKEW_MS = 24 * 3600_000;

/** The list's date is later than `now` plus the allowed skew. */
export function datedInTheFuture(date: string | null, now: Date): boolean {
  if (!date) return false;
  const t = Date.parse(date);
  return !Number.isNaN(t) && t > now.getTime() + MAX_TRUST_LIST_CLOCK_SKEW_MS;
}

/** A list the guard can decide with: at least one domain. */
export function usableList<T extends { domains: readonly string[] }>(l: T | null | undefined): l is T {
  return !!l && l.domains.length > 0;
}

/** `a` is provably older than `b` (an undated list is older than a dated one). */
export function olderThan(a: string | null, b: string | null): boolean {
  if (!b) return false;
  const tb = Date.parse(b);
  if (Number.isNaN(tb)) return false;
  if (!a) return true;
  const ta = Date.parse(a);
  return !Number.isNaN(ta) && ta < tb;
}

export interface TrustChoice {
  /** The list the guard uses, or null: no usable list at all. */
  use: TrustListView | null;
  /** What to write as the saved copy (null: keep the saved copy as it is). */
  save: TrustCache | null;
  /** The test-only list to keep in memory for this session (null: keep what is there). */
  session: TrustCache | null;
}

/**
 * Pure: which list to use and whether to save it, from the bridge's answer (null: no answer, an
 * error, or no usable list), the saved copy and this session's test-only list.
 */
export function chooseTrustList(
  live: Result<"trust.list"> | null,
  saved: TrustCache | null,
  session: TrustCache | null,
  opts: { testBuild: boolean; now: Date },
): TrustChoice {
  const asView = (c: { domains: readonly string[]; date: string | null; testOnly: boolean }, source: "live" | "cache"): TrustListView => ({
    domains: c.domains,
    date: c.date,
    source,
    testOnly: c.testOnly,
  });
  const keepsTestLists = opts.testBuild;
  // Lists dated in the future are not lists: neither a live answer nor a saved copy (or session list).
  if (live && datedInTheFuture(live.date, opts.now)) live = null;
  if (saved && datedInTheFuture(saved.date, opts.now)) saved = null;
  if (session && datedInTheFuture(session.date, opts.now)) session = null;
  // A saved test-only copy (written by an older version) is not a real copy for a production build.
  const savedReal = usableList(saved) && (keepsTestLists || !saved.testOnly) ? saved : null;
  const savedTest = usableList(saved) && !savedReal ? saved : null;
  if (usableList(live)) {
    const fetched: TrustCache = { domains: [...live.domains], date: live.date, testOnly: live.testOnly, fetchedAt: opts.now.toISOString() };
    if (live.testOnly && !keepsTestLists) {
      // A real list beats a test list; the test list serves (marked) only when there is none.
      return { use: savedReal ? asView(savedReal, "cache") : asView(fetched, "live"), save: null, session: fetched };
    }
    if (savedReal && olderThan(live.date, savedReal.date)) return { use: asView(savedReal, "cache"), save: null, session: null };
    return { use: asView(fetched, "live"), save: fetched, session: null };
  }
  const fallback = savedReal ?? session ?? savedTest;
  return { use: fallback ? asView(fallback, "cache") : null, save: null, session: null };
}

/** The trust-space lists of one background page: the bridge's, the saved copy, this session's test list. */
export class TrustLists {
  private session: TrustCache | null = null;

  constructor(
    private readonly m: Messenger,
    private readonly bridge: BridgeCaller,
    private readonly opts: { testBuild: boolean; timeoutMs?: number },
  ) {}

  /** The list to decide with (live when the bridge answers with a usable, not older list), or null. */
  async current(): Promise<TrustListView | null> {
    let live: Result<"trust.list"> | null = null;
    if (this.bridge.connected) {
      try {
        live = await this.bridge.call("trust.list", {}, this.opts.timeoutMs ?? 3000);
      } catch {
        live = null; // down, TRUST_LIST_UNAVAILABLE, or a reply that is not a list: the saved copy decides
      }
    }
    const choice = chooseTrustList(live, await readTrustCache(this.m), this.session, { testBuild: this.opts.testBuild, now: new Date() });
    if (choice.session) this.session = choice.session;
    if (choice.save) await writeTrustCache(this.m, choice.save);
    return choice.use;
  }
}
