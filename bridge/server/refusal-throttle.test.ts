import { describe, expect, it } from "vitest";
import { RefusalThrottle } from "./refusal-throttle.ts";

describe("refused upgrades are recorded once per window, then counted", () => {
  it("records the first, counts the rest, and writes the count when the window closes", () => {
    let t = 0;
    const out: string[] = [];
    const th = new RefusalThrottle(
      { first: (r, o) => out.push(`first ${r} ${o}`), summary: (r, n) => out.push(`summary ${r} ${n}`) },
      10_000,
      2,
      () => t,
    );
    for (let i = 0; i < 1000; i++) th.refused("refused-origin", "https://evil.example");
    th.refused("refused-host", null);
    expect(out).toEqual([
      "first refused-origin https://evil.example",
      "first refused-origin https://evil.example",
      "first refused-host null",
    ]);
    t = 10_001;
    th.refused("refused-origin", "null");
    expect(out.slice(3)).toEqual(["summary refused-origin 998", "first refused-origin null"]);
    th.close();
    expect(out.length).toBe(5); // nothing suppressed since: no empty summaries
  });

  it("close writes pending counts", () => {
    const out: string[] = [];
    const th = new RefusalThrottle({ first: () => {}, summary: (r, n) => out.push(`${r} ${n}`) }, 10_000, 1, () => 0);
    th.refused("refused-busy", null);
    th.refused("refused-busy", null);
    th.close();
    expect(out).toEqual(["refused-busy 1"]);
  });
});
