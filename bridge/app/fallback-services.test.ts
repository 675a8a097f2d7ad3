import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/protocol/errors.ts";
import { UnavailableTrustService } from "./fallback-services.ts";

describe("fallback services", () => {
  it("the stand-in used when the trust service cannot start answers list() with the typed error", () => {
    const u = new UnavailableTrustService("The trust-space list could not be loaded: boom");
    expect(() => u.list()).toThrow(
      expect.objectContaining({
        code: ErrorCode.TRUST_LIST_UNAVAILABLE,
        message: expect.stringMatching(/boom\. Check trust\.whitelistSource/),
      }),
    );
  });
});
