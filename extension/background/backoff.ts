/** Reconnection delays: exponential with a cap and some jitter, so many clients do not retry in step. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  factor: number;
  /** Fraction of the delay randomised (0 = deterministic). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };

/** Delay before reconnection attempt number `attempt` (0 = first retry). */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const raw = Math.min(opts.maxMs, opts.baseMs * opts.factor ** Math.max(0, attempt));
  const spread = raw * opts.jitter;
  return Math.max(0, Math.round(raw - spread + 2 * spread * random()));
}
