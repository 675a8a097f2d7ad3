/** Token flags → PIN state. Pure: the bridge reads flags, it never sees or tries a PIN. */
import type { PinState, PinStatus } from "../../shared/domain/identity.ts";
import {
  CKF_PROTECTED_AUTHENTICATION_PATH,
  CKF_USER_PIN_COUNT_LOW,
  CKF_USER_PIN_FINAL_TRY,
  CKF_USER_PIN_INITIALIZED,
  CKF_USER_PIN_LOCKED,
  CKF_USER_PIN_TO_BE_CHANGED,
} from "./pkcs11-flags.ts";

/**
 * The most serious state wins: locked > final try > count low > to be changed > not initialised.
 * (A card can report COUNT_LOW and FINAL_TRY together; the user must hear "last try".)
 */
export function pinStateFromFlags(tokenFlags: number): PinState {
  const has = (f: number) => (tokenFlags & f) !== 0;
  if (has(CKF_USER_PIN_LOCKED)) return "locked";
  if (has(CKF_USER_PIN_FINAL_TRY)) return "final-try";
  if (has(CKF_USER_PIN_COUNT_LOW)) return "count-low";
  if (has(CKF_USER_PIN_TO_BE_CHANGED)) return "to-be-changed";
  if (!has(CKF_USER_PIN_INITIALIZED)) return "not-initialized";
  return "ok";
}

export function pinStatusFromFlags(tokenFlags: number): PinStatus {
  return {
    state: pinStateFromFlags(tokenFlags),
    // The PIN is typed on the reader's pad; NSS will not show a PIN field.
    pinPad: (tokenFlags & CKF_PROTECTED_AUTHENTICATION_PATH) !== 0,
  };
}
