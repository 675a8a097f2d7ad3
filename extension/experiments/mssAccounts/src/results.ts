/**
 * The Experiment's rule: no function rejects. Thunderbird turns any error thrown by an Experiment
 * into "An unexpected error occurred", which tells the user nothing; every function returns
 * {ok: true, ...} or {ok: false, code, message, detail?} and the extension explains `code`.
 */
import type { ExperimentFailure } from "./api.ts";

/** A failure result: the message says what happened; the extension says what to do. */
export function fail(code: string, message: string, error?: unknown): ExperimentFailure {
  const out: ExperimentFailure = { ok: false, code, message };
  if (error) {
    // Structural, not instanceof: Thunderbird's errors come from other compartments.
    const message = typeof error === "object" && "message" in error ? error.message : undefined;
    out.detail = String(message || error).slice(0, 500);
  }
  return out;
}

/** Runs fn and turns anything it throws into {ok: false}. */
export async function guarded<T>(code: string, fn: () => T | Promise<T>): Promise<T | ExperimentFailure> {
  try {
    return await fn();
  } catch (e) {
    return fail(code, "Thunderbird refused the operation", e);
  }
}
