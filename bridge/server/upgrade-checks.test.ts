import { describe, expect, it } from "vitest";
import { checkHost, checkOrigin, type OriginPolicy } from "./upgrade-checks.ts";
import { isExtensionOrigin } from "../pairing/extension-origin.ts";

const paired = "moz-extension://0b7a4f2e-1111-2222-3333-444455556666";
const other = "moz-extension://9c7a4f2e-aaaa-bbbb-cccc-ddddeeeeffff";
const policy = (o: Partial<{ paired: string[]; window: boolean }> = {}): OriginPolicy => ({
  isPaired: (x) => (o.paired ?? []).includes(x),
  hasAnyPairing: () => (o.paired ?? []).length > 0,
  pairingWindowOpen: () => o.window ?? false,
});

describe("checkHost", () => {
  it("accepts the loopback literals and localhost with the bridge's port", () => {
    for (const h of ["127.0.0.1:7431", "[::1]:7431", "localhost:7431", "LOCALHOST:7431"]) expect(checkHost(h, 7431).ok).toBe(true);
  });
  it("refuses other names, other ports, missing port or Host", () => {
    for (const h of [
      "evil.example",
      "evil.example:7431",
      "127.0.0.1.nip.io:7431",
      "127.0.0.1:7432",
      "127.0.0.1",
      "localhost",
      "[::1]",
      "0.0.0.0:7431",
      "127.1:7431",
      "localhost.:7431",
      "",
      undefined,
    ]) {
      expect(checkHost(h, 7431).ok, String(h)).toBe(false);
    }
  });
});

describe("checkOrigin", () => {
  it("accepts any extension origin before the first pairing", () => {
    expect(checkOrigin(paired, policy()).ok).toBe(true);
  });
  it("accepts only paired origins once paired", () => {
    expect(checkOrigin(paired, policy({ paired: [paired] })).ok).toBe(true);
    expect(checkOrigin(other, policy({ paired: [paired] })).ok).toBe(false);
  });
  it("lets a new extension in while a pairing window is open", () => {
    expect(checkOrigin(other, policy({ paired: [paired], window: true })).ok).toBe(true);
  });
  it("refuses web and odd origins in every state", () => {
    for (const o of [
      "https://evil.example",
      "http://localhost",
      "http://127.0.0.1:7431",
      "null",
      "",
      undefined,
      "moz-extension://",
      "moz-extension://not-a-uuid",
      `${paired}/`,
      `${paired}.evil.example`,
      "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
      "MOZ-EXTENSION://0B7A4F2E-1111-2222-3333-444455556666",
    ]) {
      expect(checkOrigin(o, policy({ window: true })).ok, String(o)).toBe(false);
    }
  });
  it("recognises extension origins", () => {
    expect(isExtensionOrigin(paired)).toBe(true);
    expect(isExtensionOrigin("moz-extension://x")).toBe(false);
  });
});
