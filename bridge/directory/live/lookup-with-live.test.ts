/**
 * lookupWithLive: the offline answer first, the live complement only for an address the offline
 * directory does not know, and within its time budget. The two directories are fakes here (the order
 * and the budget are the logic); test/real/directory-live.test.ts runs it in the real bridge against
 * the replay of ANS's FHIR API.
 */
import { describe, expect, it } from "vitest";
import type { DirectoryEntry } from "../../../shared/domain/directory-entry.ts";
import type { LiveLookupAnswer } from "../../services.ts";
import { lookupWithLive } from "./lookup-with-live.ts";

const entry = (email: string, source?: "live") =>
  ({ email, surname: "CHATELIER", ...(source ? { source } : {}) }) as unknown as DirectoryEntry;

function fakes(offline: DirectoryEntry | null, live: () => Promise<LiveLookupAnswer>) {
  const asked: string[] = [];
  return {
    asked,
    offline: {
      lookupByAddress: async (a: string) => {
        asked.push(`offline ${a}`);
        return offline;
      },
    },
    live: {
      lookupLive: (a: string) => {
        asked.push(`live ${a}`);
        return live();
      },
    },
  };
}

describe("lookupWithLive", () => {
  it("an offline hit never asks the live directory", async () => {
    const f = fakes(entry("a@x.mssante.fr"), async () => ({ entry: null, state: "ok", retryAfterMs: null }));
    expect((await lookupWithLive(f.offline, f.live, "a@x.mssante.fr"))?.email).toBe("a@x.mssante.fr");
    expect(f.asked).toEqual(["offline a@x.mssante.fr"]);
  });

  it("an offline miss: the live entry, marked live", async () => {
    const f = fakes(null, async () => ({ entry: entry("b@x.mssante.fr", "live"), state: "ok", retryAfterMs: null }));
    expect(await lookupWithLive(f.offline, f.live, "b@x.mssante.fr")).toMatchObject({ email: "b@x.mssante.fr", source: "live" });
    expect(f.asked).toEqual(["offline b@x.mssante.fr", "live b@x.mssante.fr"]);
  });

  it("no live directory configured: the offline miss as it is", async () => {
    const f = fakes(null, async () => ({ entry: null, state: "ok", retryAfterMs: null }));
    expect(await lookupWithLive(f.offline, undefined, "c@x.mssante.fr")).toBeNull();
    expect(f.asked).toEqual(["offline c@x.mssante.fr"]);
  });

  it("a failing or slow live directory: null, within the budget", async () => {
    const failing = fakes(null, async () => {
      throw new Error("down");
    });
    expect(await lookupWithLive(failing.offline, failing.live, "d@x.mssante.fr")).toBeNull();
    const slow = fakes(null, () => new Promise(() => undefined));
    const t0 = performance.now();
    expect(await lookupWithLive(slow.offline, slow.live, "e@x.mssante.fr", 30)).toBeNull();
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
