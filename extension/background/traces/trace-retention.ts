/**
 * How long the trace is kept (pure): a stated default of one year, configurable from the options
 * page between 30 days and 10 years; older entries are dropped.
 */
import type { TraceEntry } from "./trace-entry.ts";

export const DEFAULT_RETENTION_DAYS = 365;
export const MIN_RETENTION_DAYS = 30;
export const MAX_RETENTION_DAYS = 3650;
const DAY_MS = 86_400_000;

/** A valid retention period in days, or null. */
export function checkRetentionDays(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value >= MIN_RETENTION_DAYS && value <= MAX_RETENTION_DAYS ? value : null;
}

/** The entries still within `days` of `now` (entries with an unreadable date are dropped too). */
export function pruneTrace(entries: readonly TraceEntry[], now: Date, days: number): TraceEntry[] {
  const cutoff = now.getTime() - days * DAY_MS;
  return entries.filter((e) => {
    const t = Date.parse(e.at);
    return Number.isFinite(t) && t >= cutoff;
  });
}
