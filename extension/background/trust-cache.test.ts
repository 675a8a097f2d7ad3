import { describe, expect, it } from "vitest";
import { chooseTrustList, MAX_TRUST_LIST_CLOCK_SKEW_MS, type TrustCache } from "./trust-cache.ts";

// An injected clock: nothing here depends on today's date.
const NOW = new Date("2031-05-04T12:00:00.000Z");
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const HOUR = 3600_000;

const live = (date: string | null, domains = ["a.mssante.fr"]) => ({
  domains,
  date,
  testOnly: false,
  source: "x",
  fetchedAt: NOW.toISOString(),
});
const saved = (date: string | null, domains = ["saved.mssante.fr"]): TrustCache => ({
  domains,
  date,
  testOnly: false,
  fetchedAt: at(-HOUR),
});
const choose = (l: ReturnType<typeof live> | null, s: TrustCache | null) =>
  chooseTrustList(l as never, s, null, { testBuild: false, now: NOW });

describe("trust lists dated in the future", () => {
  it("the allowed clock skew is a day", () => {
    expect(MAX_TRUST_LIST_CLOCK_SKEW_MS).toBe(24 * HOUR);
  });

  it("a live list dated beyond the skew is neither used nor saved: the saved copy decides", () => {
    const c = choose(live(at(48 * HOUR), ["evil.example"]), saved(at(-24 * HOUR)));
    expect(c.use?.domains).toEqual(["saved.mssante.fr"]);
    expect(c.save).toBeNull();
  });

  it("a list 'dated 2099' relative to the clock is refused even with no saved copy", () => {
    const c = choose(live(at(70 * 365 * 24 * HOUR), ["evil.example"]), null);
    expect(c.use).toBeNull();
    expect(c.save).toBeNull();
  });

  it("within the skew a list is accepted (clocks differ a little)", () => {
    const c = choose(live(at(2 * HOUR)), saved(at(-24 * HOUR)));
    expect(c.use?.source).toBe("live");
    expect(c.save?.date).toBe(at(2 * HOUR));
  });

  it("a saved copy dated in the future (written before this check) no longer beats the live list", () => {
    const c = choose(live(at(-HOUR)), saved(at(48 * HOUR), ["evil.example"]));
    expect(c.use?.domains).toEqual(["a.mssante.fr"]);
    expect(c.save?.domains).toEqual(["a.mssante.fr"]);
    // …nor decides alone when the bridge is away.
    expect(choose(null, saved(at(48 * HOUR), ["evil.example"])).use).toBeNull();
  });
});
