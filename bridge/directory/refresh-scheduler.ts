/**
 * Refreshes the directory on a schedule (daily by default): the first run when the index is
 * already older than the interval, then every interval; a failed run is retried sooner.
 */
export interface SchedulerOptions {
  intervalHours: number;
  /** Age of the current index in ms, null when there is none. */
  ageMs: () => number | null;
  run: () => Promise<void>;
  /** Delay before retrying a failed refresh (default: an hour, or the interval if shorter). */
  retryMs?: number;
  onError?: (e: Error) => void;
}

const MAX_TIMEOUT = 2 ** 31 - 1;

export class RefreshScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;

  constructor(private readonly opts: SchedulerOptions) {}

  get intervalMs(): number {
    return this.opts.intervalHours * 3600_000;
  }

  /** Delay until the next refresh given the index's age (pure, exported for tests). */
  static delayFor(intervalMs: number, ageMs: number | null): number {
    if (ageMs === null) return 0;
    return Math.max(0, intervalMs - ageMs);
  }

  start(): void {
    if (this.opts.intervalHours <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule(RefreshScheduler.delayFor(this.intervalMs, this.opts.ageMs()));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), Math.min(ms, MAX_TIMEOUT));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      await this.opts.run();
      this.schedule(this.intervalMs);
    } catch (e) {
      this.opts.onError?.(e as Error);
      this.schedule(this.opts.retryMs ?? Math.min(this.intervalMs, 3600_000));
    } finally {
      this.running = false;
    }
  }
}
