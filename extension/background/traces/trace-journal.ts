/**
 * The trace's storage (I/O): entries in storage.local "mss.traces" (oldest first), the retention
 * period in "mss.traceSettings", the installation's HMAC key in "mss.traceKey" (made on first
 * use). Writes go one at a time, so that concurrent events do not overwrite each other. Pruned on
 * start and once a day. Nothing here is logged but counts.
 */
import { log } from "../log.ts";
import type { Messenger } from "../messenger-types.ts";
import { newTraceKey, recipientLabels } from "./recipient-label.ts";
import { traceCsv } from "./trace-csv.ts";
import type { TraceEntry } from "./trace-entry.ts";
import { checkRetentionDays, DEFAULT_RETENTION_DAYS, pruneTrace } from "./trace-retention.ts";

export const TRACES_KEY = "mss.traces";
export const TRACE_SETTINGS_KEY = "mss.traceSettings";
export const TRACE_KEY_KEY = "mss.traceKey";
/** A ceiling on the number of entries, whatever the period (storage.local holds them all in one value). */
const MAX_ENTRIES = 50_000;
const DAY_MS = 86_400_000;

export type TraceDraft = Omit<TraceEntry, "at" | "recipients"> & { recipients: readonly string[]; at?: string };

export class TraceJournal {
  private queue: Promise<unknown> = Promise.resolve();
  private key: Promise<string> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly m: Pick<Messenger, "storage">,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Prunes now and every day after. */
  start(): void {
    void this.prune();
    this.timer ??= setInterval(() => void this.prune(), DAY_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private traceKey(): Promise<string> {
    this.key ??= this.serial(async () => {
      const got = (await this.m.storage.local.get(TRACE_KEY_KEY))[TRACE_KEY_KEY];
      if (typeof got === "string" && got.length >= 40) return got;
      const key = newTraceKey();
      await this.m.storage.local.set({ [TRACE_KEY_KEY]: key });
      return key;
    });
    return this.key;
  }

  async retentionDays(): Promise<number> {
    const s = (await this.m.storage.local.get(TRACE_SETTINGS_KEY))[TRACE_SETTINGS_KEY] as { retentionDays?: unknown } | undefined;
    return checkRetentionDays(s?.retentionDays) ?? DEFAULT_RETENTION_DAYS;
  }

  async setRetentionDays(days: number): Promise<boolean> {
    if (checkRetentionDays(days) === null) return false;
    await this.m.storage.local.set({ [TRACE_SETTINGS_KEY]: { retentionDays: days } });
    await this.prune();
    return true;
  }

  async entries(): Promise<TraceEntry[]> {
    const got = (await this.m.storage.local.get(TRACES_KEY))[TRACES_KEY];
    return Array.isArray(got) ? (got as TraceEntry[]) : [];
  }

  /** Records one action; patient recipients are hashed before anything is stored. */
  async record(draft: TraceDraft): Promise<TraceEntry> {
    const key = await this.traceKey();
    const entry: TraceEntry = {
      ...draft,
      at: draft.at ?? this.now().toISOString(),
      recipients: await recipientLabels(draft.recipients, key),
    };
    await this.serial(async () => {
      const list = await this.entries();
      list.push(entry);
      await this.m.storage.local.set({ [TRACES_KEY]: list.slice(-MAX_ENTRIES) });
    });
    return entry;
  }

  prune(): Promise<number> {
    return this.serial(async () => {
      const [list, days] = [await this.entries(), await this.retentionDays()];
      const kept = pruneTrace(list, this.now(), days);
      if (kept.length !== list.length) await this.m.storage.local.set({ [TRACES_KEY]: kept });
      if (list.length !== kept.length) log("trace.pruned", { dropped: list.length - kept.length, kept: kept.length });
      return list.length - kept.length;
    });
  }

  async csv(): Promise<{ csv: string; count: number }> {
    // Oldest first: entries are stored as they settle, a few milliseconds out of order at most.
    const list = (await this.entries()).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    return { csv: traceCsv(list), count: list.length };
  }
}
