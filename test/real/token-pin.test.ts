/**
 * PIN state from the token flags of a real SoftHSM2 token. The bridge never logs in: the wrong
 * login below is done by the TEST itself with pkcs11-tool, as a user mistyping in Thunderbird would.
 * SoftHSM never locks a PIN nor sets FINAL_TRY, so those come from the test-only PKCS#11 fake
 * (MSS_BRIDGE_TEST_PKCS11_FAKE) in the token child's environment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_FAKE_ENV, TokenClient } from "../../bridge/token/index.ts";
import { CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED } from "../../bridge/token/pkcs11-flags.ts";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { missingComponents } from "../harness/require-component.ts";
import { createSoftHsmToken, type SoftHsmToken } from "../../bridge/demo/softhsm.ts";

const skip = missingComponents("token PIN state (SoftHSM2)", ["softhsm2-util", "pkcs11-tool", "openssl"]);

describe.skipIf(skip)("PIN state from the token flags", () => {
  let pki: TestPki;
  let t: SoftHsmToken;
  const clients: TokenClient[] = [];
  const client = (fake?: object) => {
    const env = { ...t.env, ...(fake ? { [TEST_FAKE_ENV]: JSON.stringify(fake) } : {}) };
    const c = new TokenClient({ modulePath: t.modulePath, timeoutMs: 15_000, env });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    pki = await createTestPki();
    t = await createSoftHsmToken({ pki });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t?.cleanup();
    await pki?.cleanup();
  });

  it("is ok on a fresh token, without a PIN pad", async () => {
    expect(await client().pinStatus()).toEqual({ state: "ok", pinPad: false });
  });

  it("turns count-low after a wrong PIN typed elsewhere, seen by the same running client", async () => {
    const c = client();
    expect((await c.pinStatus()).state).toBe("ok");
    await expect(t.pkcs11Tool(["--login", "--pin", "0000", "--list-objects"])).rejects.toThrow(/CKR_PIN_INCORRECT/);
    expect(await c.pinStatus()).toEqual({ state: "count-low", pinPad: false });
    // A new child reads the same state from the token.
    expect((await client().pinStatus()).state).toBe("count-low");
  });

  it("goes back to ok after a correct login (done by the test, never by the bridge)", async () => {
    await t.pkcs11Tool(["--login", "--pin", t.pin, "--list-objects"]);
    expect((await client().pinStatus()).state).toBe("ok");
  });

  it.each([
    ["final-try", CKF_USER_PIN_FINAL_TRY],
    ["locked", CKF_USER_PIN_LOCKED],
  ] as const)("reports %s through the test-only fake, in pinStatus and listTokens", async (state, flag) => {
    const c = client({ pinFlags: state });
    expect(await c.pinStatus()).toEqual({ state, pinPad: false });
    const cps = (await c.listTokens()).find((x) => x.label === t.tokenLabel);
    expect(cps && cps.flags & flag).toBe(flag);
    // The identity is still readable: reading the certificate needs no PIN.
    expect((await c.readIdentity()).idNat).toBe("810001234567");
  });

  it("reports count-low and to-be-changed through the fake too", async () => {
    expect((await client({ pinFlags: "count-low" }).pinStatus()).state).toBe("count-low");
    expect((await client({ pinFlags: "to-be-changed" }).pinStatus()).state).toBe("to-be-changed");
  });
});
