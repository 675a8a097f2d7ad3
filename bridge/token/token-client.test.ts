/**
 * TokenClient's supervision of its child process, without any PKCS#11 module installed: the child
 * is real (forked with tsx), the module path points nowhere, and the test-only fake provides the
 * hang and the crash. The real-token behaviour is tested against SoftHSM2 in test/real/token-*.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { TEST_FAKE_ENV, TokenClient } from "./index.ts";

const NO_MODULE = "/nonexistent/libcps3_pkcs11_lux.so";
const clients: TokenClient[] = [];
const client = (fake?: object, timeoutMs = 15_000) => {
  const c = new TokenClient({ modulePath: NO_MODULE, timeoutMs, env: fake ? { [TEST_FAKE_ENV]: JSON.stringify(fake) } : {} });
  clients.push(c);
  return c;
};

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe("TokenClient child process", () => {
  it("answers MODULE_UNAVAILABLE from the child when the module is missing, telling what to do", async () => {
    const err = await client()
      .readIdentity()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect(err).toMatchObject({ code: ErrorCode.MODULE_UNAVAILABLE });
    expect((err as Error).message).toContain(NO_MODULE);
    expect((err as Error).message).toMatch(/Install Cryptolib CPS.*--module/);
  });

  it("turns a crashed child into TOKEN_ERROR and starts a new child for the next call", async () => {
    const c = client({ crash: "on-read" });
    await expect(c.readIdentity()).rejects.toMatchObject({ code: ErrorCode.TOKEN_ERROR });
    // The next call reaches a fresh child (which then reports the missing module).
    await expect(c.pinStatus()).rejects.toMatchObject({ code: ErrorCode.MODULE_UNAVAILABLE });
  });

  it("times out a stuck child with TIMEOUT, then answers from a new one", async () => {
    const c = client({ delayMs: 30_000, firstChildOnly: true }, 800);
    const t0 = Date.now();
    await expect(c.listTokens()).rejects.toMatchObject({ code: ErrorCode.TIMEOUT });
    expect(Date.now() - t0).toBeLessThan(10_000);
    await expect(c.listTokens()).rejects.toMatchObject({ code: ErrorCode.MODULE_UNAVAILABLE });
  });

  it("cancelAll ends pending calls with the given reason; nothing pending is a no-op", async () => {
    const c = client({ delayMs: 30_000 });
    c.cancelAll(new BridgeError(ErrorCode.CARD_REMOVED, "nothing pending"));
    const p = c.readIdentity();
    c.cancelAll(new BridgeError(ErrorCode.CARD_REMOVED, "The card was removed."));
    await expect(p).rejects.toMatchObject({ code: ErrorCode.CARD_REMOVED, message: "The card was removed." });
  });

  it("refuses calls after close()", async () => {
    const c = client();
    await c.close();
    await expect(c.pinStatus()).rejects.toMatchObject({ code: ErrorCode.TOKEN_ERROR });
  });
});
