import { mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { demoExtraction } from "./demo.ts";
import { sourceDateFromName } from "../directory/import/import-extraction.ts";

// The clock is injected: these dates are far from any real day on purpose.
const MADE = new Date("2031-02-03T04:05:00Z");

describe("the demo's extraction is dated when it is made", () => {
  it("names the file after the moment it was made, and reuses it within a day", async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "demo-ext-")), "src");
    const first = await demoExtraction(dir, MADE);
    expect(sourceDateFromName(path.basename(first))).toBe("2031-02-03T04:05:00Z");
    const later = await demoExtraction(dir, new Date(MADE.getTime() + 23 * 3_600_000));
    expect(later).toBe(first);
  });

  it("makes it again a day later (same entries, a new date), leaving one file", async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "demo-ext-")), "src");
    await demoExtraction(dir, MADE);
    const next = await demoExtraction(dir, new Date(MADE.getTime() + 25 * 3_600_000));
    expect(sourceDateFromName(path.basename(next))).toBe("2031-02-04T05:05:00Z");
    expect(readdirSync(dir)).toEqual([path.basename(next)]);
  });

  it("makes it again when its date is ahead of the clock (a clock set back)", async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "demo-ext-")), "src");
    await demoExtraction(dir, MADE);
    const back = await demoExtraction(dir, new Date(MADE.getTime() - 3_600_000));
    expect(sourceDateFromName(path.basename(back))).toBe("2031-02-03T03:05:00Z");
  });
});
