import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, statSync, chmodSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PairingStore } from "./pairing-store.ts";
import { CODE_ALPHABET, formatPairingCode, generatePairingCode, MAX_CODE_ATTEMPTS, PairingWindow } from "./pairing-code.ts";

const origin = "moz-extension://0b7a4f2e-1111-2222-3333-444455556666";

describe("pairing store", () => {
  it("creates a 32-byte secret in a 0600 file and keeps it across loads", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pair-"));
    const f = path.join(dir, "pairing.json");
    const a = PairingStore.open(f);
    expect(a.info.created).toBe(true);
    expect(a.secret()).toHaveLength(32);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    a.addOrigin(origin, "code");
    const b = PairingStore.open(f);
    expect(b.secretBase64()).toBe(a.secretBase64());
    expect(b.isPaired(origin)).toBe(true);
  });
  it("narrows wider permissions and reports it", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pair-"));
    const f = path.join(dir, "pairing.json");
    PairingStore.open(f);
    chmodSync(f, 0o644);
    const s = PairingStore.open(f);
    expect(s.info.fixedPermissions).toBe(true);
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });
  it("refuses non-extension origins; unpair --all renews the secret", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pair-"));
    const s = PairingStore.open(path.join(dir, "pairing.json"));
    expect(() => s.addOrigin("https://evil.example", "code")).toThrow();
    s.addOrigin(origin, "native-messaging");
    const old = s.secretBase64();
    expect(s.remove("all")).toBe(1);
    expect(s.secretBase64()).not.toBe(old);
    expect(s.hasAnyPairing()).toBe(false);
  });
  it("refuses a damaged file with advice", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pair-"));
    const f = path.join(dir, "pairing.json");
    PairingStore.open(f);
    const text = readFileSync(f, "utf8").replace(/"secret": "[^"]+"/, '"secret": "AAAA"');
    writeFileSync(f, text);
    expect(() => PairingStore.open(f)).toThrow(/pair the extension again/);
  });
});

describe("pairing code window", () => {
  it("codes are 12 characters (≈ 2^59) from the unambiguous alphabet, shown as XXXX-XXXX-XXXX", () => {
    expect(12 * Math.log2(CODE_ALPHABET.length)).toBeGreaterThan(59);
    for (let i = 0; i < 50; i++) {
      const c = generatePairingCode();
      expect(c).toHaveLength(12);
      for (const ch of c) expect(CODE_ALPHABET).toContain(ch);
    }
    expect(formatPairingCode("k7pqm2xwh4rt")).toBe("K7PQ-M2XW-H4RT");
    expect(formatPairingCode("k7pq m2xw-h4rt")).toBe("K7PQ-M2XW-H4RT");
  });
  it("expires, and closes after too many wrong tries", () => {
    let t = 0;
    const w = new PairingWindow(() => t);
    const ends: string[] = [];
    w.open(1000, "K7PQM2XW");
    w.onEnd((e) => ends.push(e));
    expect(w.currentCode()).toBe("K7PQM2XW");
    t = 1000;
    expect(w.isOpen()).toBe(false);
    expect(ends).toEqual(["expired"]);
    w.open(1000);
    w.onEnd((e) => ends.push(e));
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) w.recordFailure();
    expect(w.isOpen()).toBe(false);
    expect(ends).toEqual(["expired", "too-many-attempts"]);
  });
});
