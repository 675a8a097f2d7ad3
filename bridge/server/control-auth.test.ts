import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { controlPipeId, controlProof, decodeFixed, verifyControlProof } from "./control-auth.ts";
import { controlAddress } from "./control-protocol.ts";

describe("control channel proofs", () => {
  const key = randomBytes(32);
  const challenge = randomBytes(32);
  const nonce = randomBytes(32);

  it("accepts the holder's proof and nothing else", () => {
    const p = controlProof(key, "client", challenge, nonce).toString("base64");
    expect(verifyControlProof(key, "client", challenge, nonce, p)).toBe(true);
    // Another key, another challenge or nonce, the other role: refused.
    expect(verifyControlProof(randomBytes(32), "client", challenge, nonce, p)).toBe(false);
    expect(verifyControlProof(key, "client", randomBytes(32), nonce, p)).toBe(false);
    expect(verifyControlProof(key, "client", challenge, randomBytes(32), p)).toBe(false);
    expect(verifyControlProof(key, "server", challenge, nonce, p)).toBe(false);
  });

  it("refuses malformed proofs without throwing", () => {
    for (const bad of [undefined, 42, "", "AAAA", `${"A".repeat(43)}=!`, "A".repeat(44), Buffer.alloc(33).toString("base64")]) {
      expect(verifyControlProof(key, "server", challenge, nonce, bad)).toBe(false);
    }
    expect(decodeFixed(Buffer.alloc(32).toString("base64"), 32)).toHaveLength(32);
    expect(decodeFixed(Buffer.alloc(31).toString("base64"), 32)).toBeNull();
  });

  it("names the Windows pipe from the key: unguessable without it, stable with it", () => {
    const a = controlAddress("C:\\Users\\dr\\AppData\\Local\\mss-bridge\\Data", key, "win32");
    expect(a).toMatch(/^\\\\\.\\pipe\\mss-bridge-[0-9a-f]{32}$/);
    expect(controlAddress("D:\\elsewhere", key, "win32")).toBe(a); // the key, not the user or the path
    expect(controlAddress("C:\\Users\\dr\\AppData\\Local\\mss-bridge\\Data", randomBytes(32), "win32")).not.toBe(a);
    expect(a).not.toContain(key.toString("hex").slice(0, 16));
    expect(controlPipeId(key)).toHaveLength(32);
    expect(controlAddress("/home/dr/.local/share/mss-bridge", key, "linux")).toBe("/home/dr/.local/share/mss-bridge/control.sock");
  });
});
