/**
 * A token bucket with an injected clock (pure): `rate` tokens a second, at most `burst` held. The
 * live directory takes one token per HTTP request, so this bridge never exceeds its share of the
 * FHIR API's calls per second (bridge/config/config.ts, `directory.live.requestsPerSecond`).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    if (!(rate > 0) || !(burst >= 1)) throw new Error("a token bucket needs a rate above 0 and a burst of at least 1");
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }

  /** Takes a token if one is there. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is there (0: now). */
  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }
}

/** The burst for a rate: one second's worth, at least one request. */
export function burstFor(rate: number): number {
  return Math.max(1, Math.floor(rate));
}
