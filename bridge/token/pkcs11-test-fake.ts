/**
 * TEST-ONLY fake at the PKCS#11 boundary, honoured by the token child process.
 *
 * SoftHSM never locks a PIN (it only sets CKF_USER_PIN_COUNT_LOW) and never hangs or crashes, so
 * the locked / final-try / stuck-middleware / crashing-middleware paths are tested by setting, in
 * the BRIDGE PROCESS'S OWN ENVIRONMENT (never from a client: no protocol message reaches this):
 *
 *   MSS_BRIDGE_TEST_PKCS11_FAKE='{"pinFlags":"final-try","delayMs":5000,"crash":"on-read"}'
 *
 * - pinFlags: replaces the token's user-PIN state flags ("final-try" | "locked" | "count-low" | "to-be-changed");
 * - delayMs: blocks the child for that long before each operation (a stuck vendor library);
 * - crash: "on-read" kills the child on every certificate read, "on-first-read" only in the first
 *   child the bridge starts (so a test can see the respawned child work);
 * - firstChildOnly: true limits delayMs and crash to the first child (a restarted child is healthy).
 * The child prints a warning on stderr whenever the fake is active.
 */
import {
  CKF_USER_PIN_COUNT_LOW,
  CKF_USER_PIN_FINAL_TRY,
  CKF_USER_PIN_LOCKED,
  CKF_USER_PIN_TO_BE_CHANGED,
  USER_PIN_STATE_FLAGS,
} from "./pkcs11-flags.ts";

export const TEST_FAKE_ENV = "MSS_BRIDGE_TEST_PKCS11_FAKE";

const PIN_FLAGS = {
  "count-low": CKF_USER_PIN_COUNT_LOW,
  "final-try": CKF_USER_PIN_FINAL_TRY,
  locked: CKF_USER_PIN_LOCKED,
  "to-be-changed": CKF_USER_PIN_TO_BE_CHANGED,
} as const;

export interface Pkcs11TestFake {
  pinFlags?: keyof typeof PIN_FLAGS;
  delayMs?: number;
  crash?: "on-read" | "on-first-read";
  firstChildOnly?: boolean;
}

/** Parses the env value; undefined when unset. A malformed value is an error (a test typo must not pass silently). */
export function parseTestFake(raw: string | undefined): Pkcs11TestFake | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const v = JSON.parse(raw) as Record<string, unknown>;
  const fake: Pkcs11TestFake = {};
  if (v.pinFlags !== undefined) {
    if (typeof v.pinFlags !== "string" || !(v.pinFlags in PIN_FLAGS)) throw new Error(`${TEST_FAKE_ENV}: bad pinFlags`);
    fake.pinFlags = v.pinFlags as keyof typeof PIN_FLAGS;
  }
  if (v.delayMs !== undefined) {
    if (typeof v.delayMs !== "number" || !(v.delayMs >= 0)) throw new Error(`${TEST_FAKE_ENV}: bad delayMs`);
    fake.delayMs = v.delayMs;
  }
  if (v.crash !== undefined) {
    if (v.crash !== "on-read" && v.crash !== "on-first-read") throw new Error(`${TEST_FAKE_ENV}: bad crash`);
    fake.crash = v.crash;
  }
  if (v.firstChildOnly !== undefined) {
    if (typeof v.firstChildOnly !== "boolean") throw new Error(`${TEST_FAKE_ENV}: bad firstChildOnly`);
    fake.firstChildOnly = v.firstChildOnly;
  }
  return fake;
}

/** The fake's misbehaviour as it applies to the child of this generation (1 = first started). */
export function fakeBehaviour(fake: Pkcs11TestFake | undefined, generation: number): { delayMs: number; crashOnRead: boolean } {
  if (!fake || (fake.firstChildOnly && generation !== 1)) return { delayMs: 0, crashOnRead: false };
  return {
    delayMs: fake.delayMs ?? 0,
    crashOnRead: fake.crash === "on-read" || (fake.crash === "on-first-read" && generation === 1),
  };
}

/** Token flags as the fake makes them look. */
export function applyFakeFlags(flags: number, fake: Pkcs11TestFake | undefined): number {
  if (!fake?.pinFlags) return flags;
  return (flags & ~USER_PIN_STATE_FLAGS) | PIN_FLAGS[fake.pinFlags];
}
