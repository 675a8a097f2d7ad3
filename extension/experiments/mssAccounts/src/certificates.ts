/** Remembering the card's certificate for the mail hosts. Pure: the remembering itself comes in. */
import type { ExperimentResult } from "./api.ts";
import { fail } from "./results.ts";

/**
 * Calls `remember` for each host, in order; the first refusal stops and is reported with the hosts
 * already remembered. Thunderbird 153's signature only: older signatures took the certificate
 * elsewhere, and guessing them could pass null as the client certificate, which remembers "send
 * no certificate" for the mail host.
 */
export function rememberForHosts(hosts: string[], remember: (host: string) => void): ExperimentResult<{ remembered: string[] }> {
  const remembered: string[] = [];
  for (const host of hosts) {
    try {
      remember(host);
    } catch (e) {
      return fail(
        "remember-failed",
        "could not remember the card's certificate for " +
          host +
          " (this Thunderbird's client-certificate memory differs from Thunderbird 153's)" +
          (remembered.length ? `; already remembered for ${remembered.join(", ")}` : ""),
        e,
      );
    }
    remembered.push(host);
  }
  return { ok: true, remembered };
}
