/**
 * The last trust-space list fetched from the bridge, kept in storage.local ("mss.trustCache") with
 * the list's own date and when we fetched it, so the guard still works while the bridge is down.
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
  return Array.isArray(c.domains) && c.domains.every((d) => typeof d === "string") && typeof c.fetchedAt === "string";
}

export async function readTrustCache(m: Messenger): Promise<TrustCache | null> {
  const v = (await m.storage.local.get(TRUST_CACHE_KEY))[TRUST_CACHE_KEY];
  return isTrustCache(v) ? v : null;
}

export async function writeTrustCache(m: Messenger, list: Result<"trust.list">, now = new Date()): Promise<TrustCache> {
  const c: TrustCache = { domains: list.domains, date: list.date, testOnly: list.testOnly, fetchedAt: now.toISOString() };
  await m.storage.local.set({ [TRUST_CACHE_KEY]: c });
  return c;
}

/** The live list when the bridge answers (refreshing the cache), else the cached copy, else null. */
export async function currentTrustList(m: Messenger, bridge: BridgeCaller, timeoutMs = 3000): Promise<TrustListView | null> {
  if (bridge.connected) {
    try {
      const live = await bridge.call("trust.list", {}, timeoutMs);
      await writeTrustCache(m, live);
      return { domains: live.domains, date: live.date, source: "live", testOnly: live.testOnly };
    } catch {
      /* fall back to the cache */
    }
  }
  const c = await readTrustCache(m);
  return c ? { domains: c.domains, date: c.date, source: "cache", testOnly: c.testOnly } : null;
}
