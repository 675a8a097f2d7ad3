/** Token bucket per connection: `rate` requests a second, bursts up to `burst`. Injectable clock. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number = rate,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}

/**
 * Wrong authentication proofs per origin: each failure doubles the wait before the next attempt
 * from that origin is even looked at (1 s, 2 s, 4 s … capped), a success clears it.
 */
export class AuthBackoff {
  private state = new Map<string, { failures: number; until: number }>();
  constructor(
    private readonly baseMs = 1000,
    private readonly maxMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}
  /** Milliseconds to wait before `key` may try again (0: may try now). */
  waitMs(key: string): number {
    const s = this.state.get(key);
    return s ? Math.max(0, s.until - this.now()) : 0;
  }
  fail(key: string): void {
    const s = this.state.get(key) ?? { failures: 0, until: 0 };
    s.failures++;
    s.until = this.now() + Math.min(this.maxMs, this.baseMs * 2 ** (s.failures - 1));
    this.state.set(key, s);
    if (this.state.size > 1000) this.state.delete(this.state.keys().next().value!); // bounded memory
  }
  succeed(key: string): void {
    this.state.delete(key);
  }
}
