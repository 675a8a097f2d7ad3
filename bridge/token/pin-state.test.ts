import { describe, expect, it } from "vitest";
import {
  CKF_LOGIN_REQUIRED,
  CKF_PROTECTED_AUTHENTICATION_PATH,
  CKF_TOKEN_INITIALIZED,
  CKF_USER_PIN_COUNT_LOW,
  CKF_USER_PIN_FINAL_TRY,
  CKF_USER_PIN_INITIALIZED,
  CKF_USER_PIN_LOCKED,
  CKF_USER_PIN_TO_BE_CHANGED,
} from "./pkcs11-flags.ts";
import { pinStateFromFlags, pinStatusFromFlags } from "./pin-state.ts";

// What SoftHSM reports for a fresh token: rng, login required, pin initialised, restore key not needed, token initialised.
const FRESH = 0x1 | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | 0x20 | CKF_TOKEN_INITIALIZED;

describe("pinStateFromFlags", () => {
  it.each([
    ["ok", FRESH],
    ["count-low", FRESH | CKF_USER_PIN_COUNT_LOW],
    ["final-try", FRESH | CKF_USER_PIN_FINAL_TRY],
    ["final-try", FRESH | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW],
    ["locked", FRESH | CKF_USER_PIN_LOCKED | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW],
    ["locked", FRESH | CKF_USER_PIN_LOCKED | CKF_USER_PIN_TO_BE_CHANGED],
    ["count-low", FRESH | CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_TO_BE_CHANGED],
    ["to-be-changed", FRESH | CKF_USER_PIN_TO_BE_CHANGED],
    ["not-initialized", FRESH & ~CKF_USER_PIN_INITIALIZED],
    ["not-initialized", 0],
  ])("%s from 0x%s", (state, flags) => {
    expect(pinStateFromFlags(flags)).toBe(state);
  });
});

describe("pinStatusFromFlags", () => {
  it("reports a PIN pad from CKF_PROTECTED_AUTHENTICATION_PATH", () => {
    expect(pinStatusFromFlags(FRESH | CKF_PROTECTED_AUTHENTICATION_PATH)).toEqual({ state: "ok", pinPad: true });
    expect(pinStatusFromFlags(FRESH | CKF_USER_PIN_LOCKED)).toEqual({ state: "locked", pinPad: false });
  });
});
