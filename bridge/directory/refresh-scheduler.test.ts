import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RefreshScheduler } from "./refresh-scheduler.ts";

const HOUR = 3600_000;

describe("RefreshScheduler", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs when the index is older than the interval, then every interval", async () => {
    const run = vi.fn(async () => {});
    const s = new RefreshScheduler({ intervalHours: 24, ageMs: () => 20 * HOUR, run });
    s.start();
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1 * HOUR);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    expect(run).toHaveBeenCalledTimes(2);
    s.stop();
    await vi.advanceTimersByTimeAsync(48 * HOUR);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it("retries a failed refresh sooner and reports the error", async () => {
    let fail = true;
    const errors: string[] = [];
    const run = vi.fn(async () => {
      if (fail) throw new Error("network down");
    });
    const s = new RefreshScheduler({
      intervalHours: 24,
      ageMs: () => null,
      run,
      retryMs: 10 * 60_000,
      onError: (e) => errors.push(e.message),
    });
    s.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
    expect(errors).toEqual(["network down"]);
    fail = false;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(run).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(23 * HOUR);
    expect(run).toHaveBeenCalledTimes(2);
    s.stop();
  });

  it("does nothing when disabled (0 hours)", async () => {
    const run = vi.fn(async () => {});
    new RefreshScheduler({ intervalHours: 0, ageMs: () => null, run }).start();
    await vi.advanceTimersByTimeAsync(100 * HOUR);
    expect(run).not.toHaveBeenCalled();
  });
});

describe("refresh schedule", () => {
  it("refreshes at once when there is no index or it is older than the interval", () => {
    const day = 86_400_000;
    expect(RefreshScheduler.delayFor(day, null)).toBe(0);
    expect(RefreshScheduler.delayFor(day, 2 * day)).toBe(0);
    expect(RefreshScheduler.delayFor(day, day / 4)).toBe((3 * day) / 4);
  });
});
