/**
 * The typed-code pairing window opened by `mss-bridge pair`: a code from an alphabet without
 * look-alikes (no 0/O, 1/I/L), shown as XXXX-XXXX-XXXX, valid for a few minutes and for a few tries.
 *
 * Why 12 characters (31^12 ≈ 2^59): the extension proves the code (an HMAC over both nonces) to
 * whatever answers on the bridge's port before that peer has proved anything, so a process
 * squatting the port can try codes offline against that proof. With 8 characters (≈ 2^40) a GPU
 * finds the code well within the 5-minute window and could pair itself with the real bridge; with
 * 12 it would need years. (A PAKE such as CPace would remove the offline test altogether; see
 * docs/decisions.md.)
 */
import { randomInt } from "node:crypto";
import { normalisePairingCode } from "../../shared/protocol/proofs.ts";

export const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const CODE_LENGTH = 12;
export const PAIRING_WINDOW_MS = 5 * 60_000;
export const MAX_CODE_ATTEMPTS = 5;

export function generatePairingCode(): string {
  let s = "";
  for (let i = 0; i < CODE_LENGTH; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

/** "K7PQM2XWH4RT" → "K7PQ-M2XW-H4RT" (groups of 4). */
export function formatPairingCode(code: string): string {
  return (normalisePairingCode(code).match(/.{1,4}/g) ?? []).join("-");
}

export type WindowEnd = "paired" | "expired" | "too-many-attempts" | "cancelled";

/** One open window at a time. Pure state over an injectable clock. */
export class PairingWindow {
  private code: string | null = null;
  private expiresAt = 0;
  private failures = 0;
  private listeners: ((end: WindowEnd, origin?: string) => void)[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  open(durationMs = PAIRING_WINDOW_MS, code = generatePairingCode()): { code: string; expiresAt: number } {
    this.end("cancelled");
    this.code = normalisePairingCode(code);
    this.expiresAt = this.now() + durationMs;
    this.failures = 0;
    return { code: formatPairingCode(this.code), expiresAt: this.expiresAt };
  }

  isOpen(): boolean {
    if (this.code !== null && this.now() >= this.expiresAt) this.end("expired");
    return this.code !== null;
  }

  /** The current code (normalised), only while the window is open. */
  currentCode(): string | null {
    return this.isOpen() ? this.code : null;
  }

  /** Records a wrong proof; closes the window after MAX_CODE_ATTEMPTS. Returns tries left. */
  recordFailure(): number {
    this.failures++;
    const left = MAX_CODE_ATTEMPTS - this.failures;
    if (left <= 0) this.end("too-many-attempts");
    return Math.max(0, left);
  }

  succeed(origin: string): void {
    this.end("paired", origin);
  }

  cancel(): void {
    this.end("cancelled");
  }

  /** Called once when the current window ends, however it ends. */
  onEnd(fn: (end: WindowEnd, origin?: string) => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  private end(how: WindowEnd, origin?: string): void {
    if (this.code === null) return;
    this.code = null;
    const ls = this.listeners;
    this.listeners = [];
    for (const l of ls) l(how, origin);
  }
}
