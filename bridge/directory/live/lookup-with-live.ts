/**
 * `directory.lookupByAddress` with the live complement behind it: the offline directory (or LDAP)
 * first; for an address it does not know, ANS's FHIR API when one is configured (a mailbox created
 * since the last daily extraction). Off without an API key; the live directory's own rate limit,
 * cache (misses included) and pauses after failures apply, so a compose guard checking the same
 * unknown recipient at each send asks the API once per cache period.
 *
 * The callers (the compose guard: 2 s; the reading pane: 5 s) wait for an answer: the live part has
 * `budgetMs`. Past it, or when the API fails, the answer is the offline one (null); a request still
 * under way carries on and fills the cache for the next lookup.
 */
import type { DirectoryEntry } from "../../../shared/domain/directory-entry.ts";
import type { DirectoryService, LiveDirectoryService } from "../../services.ts";

/** Under the compose guard's 2 s wait for the whole lookup, round trip included. */
export const LIVE_LOOKUP_BUDGET_MS = 1500;

export async function lookupWithLive(
  offline: Pick<DirectoryService, "lookupByAddress">,
  live: Pick<LiveDirectoryService, "lookupLive"> | undefined,
  address: string,
  budgetMs = LIVE_LOOKUP_BUDGET_MS,
): Promise<DirectoryEntry | null> {
  const found = await offline.lookupByAddress(address);
  if (found || !live) return found;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), budgetMs);
    timer.unref?.();
  });
  const asked = live.lookupLive(address).then(
    (r) => r.entry,
    () => null,
  );
  try {
    return await Promise.race([asked, late]);
  } finally {
    clearTimeout(timer);
  }
}
