/**
 * Refused upgrades (and dropped connections) are unauthenticated noise that any web page or local
 * process can make by the thousand each second. They are aggregated per minute: the first refusal
 * of each (reason, origin) is recorded as it happens, the others are counted and their count is
 * written once when the minute ends. At most `maxKeys` origins get lines of their own in a minute;
 * the others of a reason share one "(more origins)" line. So a minute costs at most
 * 2 × (maxKeys + reasons) lines whatever the rate or the number of forged origins (the audit log,
 * 5 MB before it rotates, then lasts days under a flood instead of an hour), and the log still shows
 * that refusals happened, from where, and how many.
 */
export interface RefusalSink {
  /** The first refusal of a (reason, origin) in the window, recorded as it happens. */
  first(reason: string, origin: string | null, detail?: string): void;
  /** How many more refusals of that (reason, origin) the window saw (written when it closes). */
  summary(reason: string, origin: string | null, count: number): void;
}

/** The origin label of the refusals counted together once a window has seen `maxKeys` origins. */
export const MORE_ORIGINS = "(more origins)";

interface Entry {
  reason: string;
  origin: string | null;
  count: number;
}

export class RefusalThrottle {
  private entries = new Map<string, Entry>();
  private windowEnd = 0;
  private ownKeys = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sink: RefusalSink,
    private readonly windowMs = 60_000,
    private readonly maxKeys = 16,
    private readonly now: () => number = Date.now,
  ) {}

  refused(reason: string, origin: string | null, detail?: string): void {
    const t = this.now();
    if (t >= this.windowEnd) {
      this.flush();
      this.windowEnd = t + this.windowMs;
    }
    let key = `${reason}\u0000${origin ?? ""}`;
    let entry = this.entries.get(key);
    if (!entry && this.ownKeys >= this.maxKeys) {
      key = `${reason}\u0000\u0000more`;
      entry = this.entries.get(key);
      origin = MORE_ORIGINS;
    }
    if (entry) {
      entry.count++;
      this.arm();
      return;
    }
    if (origin !== MORE_ORIGINS) this.ownKeys++;
    this.entries.set(key, { reason, origin, count: 0 });
    this.sink.first(reason, origin, detail);
  }

  /** Writes the counts of the window and starts a new one. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const e of this.entries.values()) if (e.count > 0) this.sink.summary(e.reason, e.origin, e.count);
    this.entries = new Map();
    this.ownKeys = 0;
  }

  close(): void {
    this.flush();
  }

  /** Counts are written when the window ends even if no refusal follows. */
  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.flush();
        this.windowEnd = 0;
      },
      Math.max(0, this.windowEnd - this.now()),
    );
    this.timer.unref?.();
  }
}
