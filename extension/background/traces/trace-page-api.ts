/**
 * The options page's messages about the trace (runtime.onMessage):
 *   {kind: "traces.settings"}                 → {retentionDays, count}
 *   {kind: "traces.retention", retentionDays} → {ok}
 *   {kind: "traces.csv"}                      → {csv, count}
 */
import type { TraceJournal } from "./trace-journal.ts";

export function handleTraceMessage(journal: TraceJournal, raw: unknown): Promise<unknown> | undefined {
  const msg = raw as { kind?: unknown; retentionDays?: unknown } | null;
  switch (msg?.kind) {
    case "traces.settings":
      return Promise.all([journal.retentionDays(), journal.entries()]).then(([retentionDays, list]) => ({
        retentionDays,
        count: list.length,
      }));
    case "traces.retention":
      return typeof msg.retentionDays === "number"
        ? journal.setRetentionDays(msg.retentionDays).then((ok) => ({ ok }))
        : Promise.resolve({ ok: false });
    case "traces.csv":
      return journal.csv();
    default:
      return undefined;
  }
}
