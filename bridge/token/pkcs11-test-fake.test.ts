import { describe, expect, it } from "vitest";
import {
  CKF_TOKEN_INITIALIZED,
  CKF_USER_PIN_COUNT_LOW,
  CKF_USER_PIN_FINAL_TRY,
  CKF_USER_PIN_INITIALIZED,
  CKF_USER_PIN_LOCKED,
} from "./pkcs11-flags.ts";
import { applyFakeFlags, fakeBehaviour, parseTestFake } from "./pkcs11-test-fake.ts";

const BASE = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED;

describe("test-only PKCS#11 fake", () => {
  it("is off when the variable is unset or empty", () => {
    expect(parseTestFake(undefined)).toBeUndefined();
    expect(parseTestFake(" ")).toBeUndefined();
    expect(applyFakeFlags(BASE | CKF_USER_PIN_COUNT_LOW, undefined)).toBe(BASE | CKF_USER_PIN_COUNT_LOW);
    expect(fakeBehaviour(undefined, 1)).toEqual({ delayMs: 0, crashOnRead: false });
  });

  it("replaces only the user-PIN state flags", () => {
    const fake = parseTestFake('{"pinFlags":"locked"}');
    expect(applyFakeFlags(BASE | CKF_USER_PIN_COUNT_LOW, fake)).toBe(BASE | CKF_USER_PIN_LOCKED);
    expect(applyFakeFlags(BASE, parseTestFake('{"pinFlags":"final-try"}'))).toBe(BASE | CKF_USER_PIN_FINAL_TRY);
  });

  it("limits delay and crash to the first child when asked", () => {
    const always = parseTestFake('{"delayMs":50,"crash":"on-read"}');
    expect(fakeBehaviour(always, 3)).toEqual({ delayMs: 50, crashOnRead: true });
    const first = parseTestFake('{"delayMs":50,"crash":"on-read","firstChildOnly":true}');
    expect(fakeBehaviour(first, 1)).toEqual({ delayMs: 50, crashOnRead: true });
    expect(fakeBehaviour(first, 2)).toEqual({ delayMs: 0, crashOnRead: false });
    const once = parseTestFake('{"crash":"on-first-read"}');
    expect(fakeBehaviour(once, 1).crashOnRead).toBe(true);
    expect(fakeBehaviour(once, 2).crashOnRead).toBe(false);
  });

  it("rejects malformed values instead of ignoring a typo", () => {
    expect(() => parseTestFake("{")).toThrow();
    expect(() => parseTestFake('{"pinFlags":"blocked"}')).toThrow(/pinFlags/);
    expect(() => parseTestFake('{"delayMs":-1}')).toThrow(/delayMs/);
    expect(() => parseTestFake('{"crash":"always"}')).toThrow(/crash/);
    expect(() => parseTestFake('{"firstChildOnly":"yes"}')).toThrow(/firstChildOnly/);
  });
});
