import { describe, expect, it } from "vitest";
import { RefusalThrottle } from "./refusal-throttle.ts";

const MINUTE = 60_000;

function throttle(maxKeys = 16) {
  let t = 0;
  const out: string[] = [];
  const th = new RefusalThrottle(
    { first: (r, o) => out.push(`first ${r} ${o}`), summary: (r, o, n) => out.push(`summary ${r} ${o} ${n}`) },
    MINUTE,
    maxKeys,
    () => t,
  );
  return { th, out, advance: (ms: number) => (t += ms) };
}

describe("refused upgrades: one line per origin and reason per minute, with a count", () => {
  it("records the first of each origin, counts the rest, and writes the counts when the minute ends", () => {
    const { th, out, advance } = throttle();
    for (let i = 0; i < 1000; i++) th.refused("refused-origin", "https://evil.example");
    th.refused("refused-origin", "null");
    th.refused("refused-host", null);
    expect(out).toEqual(["first refused-origin https://evil.example", "first refused-origin null", "first refused-host null"]);
    advance(MINUTE + 1);
    th.refused("refused-origin", "null");
    expect(out.slice(3)).toEqual(["summary refused-origin https://evil.example 999", "first refused-origin null"]);
    th.close();
    expect(out.length).toBe(5); // nothing suppressed since: no empty summaries
  });

  it("an hour of a flood from ever new origins writes a bounded number of lines (the audit log is not rotated away)", () => {
    const { th, out, advance } = throttle(16);
    let n = 0;
    for (let minute = 0; minute < 60; minute++) {
      for (let i = 0; i < 10_000; i++) th.refused(i % 3 === 0 ? "refused-host" : "refused-origin", `https://evil-${n++}.example`);
      advance(MINUTE);
    }
    th.close();
    // Per minute: at most 16 origins of their own and one "more origins" line per reason, each with one count.
    expect(out.length).toBeLessThanOrEqual(60 * 2 * (16 + 2));
    const counted = out.filter((l) => l.startsWith("summary")).reduce((a, l) => a + Number(l.split(" ").pop()), 0);
    const firsts = out.filter((l) => l.startsWith("first")).length;
    expect(counted + firsts).toBe(600_000); // every refusal is accounted for
  });

  it("close writes pending counts", () => {
    const { th, out } = throttle();
    th.refused("refused-busy", null);
    th.refused("refused-busy", null);
    th.close();
    expect(out).toEqual(["first refused-busy null", "summary refused-busy null 1"]);
  });
});
