/**
 * Refused upgrades are unauthenticated noise that any web page or local user can make by the
 * thousand each second. Each reason is recorded (audit log and log) up to `burst` times per window,
 * then counted; the count is written when the window closes. The doctor's disk pays a bounded amount whatever
 * the rate, and the audit log still shows that refusals happened and how many.
 */
export interface RefusalSink {
  /** One of the first `burst` refusals of a window, recorded as it happens. */
  first(reason: string, origin: string | null, detail?: string): void;
  /** How many more refusals of that reason the window saw. */
  summary(reason: string, suppressed: number): void;
}

export class RefusalThrottle {
  private readonly windows = new Map<string, { until: number; recorded: number; suppressed: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sink: RefusalSink,
    private readonly windowMs = 10_000,
    private readonly burst = 50,
    private readonly now: () => number = Date.now,
  ) {}

  refused(reason: string, origin: string | null, detail?: string): void {
    const t = this.now();
    const w = this.windows.get(reason);
    if (w && t < w.until) {
      if (w.recorded < this.burst) {
        w.recorded++;
        this.sink.first(reason, origin, detail);
      } else {
        w.suppressed++;
        this.arm();
      }
      return;
    }
    if (w && w.suppressed > 0) this.sink.summary(reason, w.suppressed);
    this.windows.set(reason, { until: t + this.windowMs, recorded: 1, suppressed: 0 });
    this.sink.first(reason, origin, detail);
  }

  /** Writes the counts of windows that have closed (all of them when `all`). */
  flush(all = false): void {
    const t = this.now();
    for (const [reason, w] of this.windows) {
      if (!all && t < w.until) continue;
      if (w.suppressed > 0) this.sink.summary(reason, w.suppressed);
      this.windows.delete(reason);
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush(true);
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
      if ([...this.windows.values()].some((w) => w.suppressed > 0)) this.arm();
    }, this.windowMs);
    this.timer.unref?.();
  }
}
