/** The retention period: checked bounds, entries older than it dropped. */
import { describe, expect, it } from "vitest";
import type { TraceEntry } from "./trace-entry.ts";
import { checkRetentionDays, DEFAULT_RETENTION_DAYS, pruneTrace } from "./trace-retention.ts";

const DAY = 86_400_000;
const entry = (at: string): TraceEntry => ({ at, action: "delete", who: "", messageId: "", server: "", recipients: [], detail: "" });

describe("trace retention", () => {
  it("defaults to a year; accepts 30 days to 10 years, whole days", () => {
    expect(DEFAULT_RETENTION_DAYS).toBe(365);
    expect(checkRetentionDays(30)).toBe(30);
    expect(checkRetentionDays(3650)).toBe(3650);
    for (const bad of [29, 3651, 1.5, "365", null]) expect(checkRetentionDays(bad)).toBeNull();
  });

  it("keeps what is within the period, drops older and unreadable dates", () => {
    const now = new Date();
    const kept = [entry(new Date(now.getTime() - 364 * DAY).toISOString()), entry(now.toISOString())];
    const old = entry(new Date(now.getTime() - 366 * DAY).toISOString());
    expect(pruneTrace([old, ...kept, entry("yesterday")], now, 365)).toEqual(kept);
  });
});
