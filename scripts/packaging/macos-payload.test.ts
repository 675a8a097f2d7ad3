/**
 * The macOS package's payload tree (scripts/packaging/macos-payload.mjs), built here from a stand-in
 * executable: where the executable, its native modules, the .xpi and Thunderbird's two system-wide
 * manifests go, the entitlements the hardened runtime needs, and productbuild's distribution file.
 * pkgbuild, codesign and notarization run only in the macOS release workflow, never here.
 */
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADDON_ID, NATIVE_HOST_NAME, PKCS11_MANIFEST_NAME } from "../../shared/constants.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tmp = mkdtempSync(path.join(os.tmpdir(), "mss-macos-"));
const out = path.join(tmp, "macos");
const rootDir = path.join(out, "root");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(dir: string, rel = ""): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const r = rel ? `${rel}/${e.name}` : e.name;
      return e.isDirectory() ? tree(dir, r) : [r];
    });
}

beforeAll(() => {
  const payload = path.join(tmp, "sea");
  mkdirSync(payload);
  writeFileSync(path.join(payload, "mss-bridge"), "stand-in for the macOS executable");
  writeFileSync(path.join(payload, "pkcs11.node"), "module");
  writeFileSync(path.join(payload, "pcsclite.node"), "module");
  const xpi = path.join(tmp, "ext.xpi");
  writeFileSync(xpi, "PK\u0005\u0006".padEnd(22, "\0"));
  execFileSync(
    process.execPath,
    [path.join(repo, "scripts/packaging/macos-payload.mjs"), "--payload", payload, "--xpi", xpi, "--out", out],
    {
      stdio: "pipe",
      env: { ...process.env, MSS_MACOS_ARCH: "arm64" },
    },
  );
});

describe("the macOS payload", () => {
  it("installs the executable and its modules in /usr/local/lib/mss-bridge, the manifests under /Library, and nothing else", () => {
    expect(tree(rootDir)).toEqual([
      `Library/Application Support/Mozilla/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`,
      `Library/Application Support/Mozilla/PKCS11Modules/${PKCS11_MANIFEST_NAME}.json`,
      "usr/local/bin/mss-bridge",
      "usr/local/lib/mss-bridge/mss-bridge",
      "usr/local/lib/mss-bridge/pcsclite.node",
      "usr/local/lib/mss-bridge/pkcs11.node",
      "usr/local/share/doc/mss-bridge/examples/policies.json",
      "usr/local/share/mss-bridge/mssante-thunderbird.xpi",
    ]);
    expect(statSync(path.join(rootDir, "usr/local/lib/mss-bridge/mss-bridge")).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(rootDir, "usr/local/lib/mss-bridge/pkcs11.node")).mode & 0o777).toBe(0o644);
    expect(lstatSync(path.join(rootDir, "usr/local/bin/mss-bridge")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(rootDir, "usr/local/bin/mss-bridge"))).toBe("../lib/mss-bridge/mss-bridge");
  });

  it("points Thunderbird's native-messaging manifest at the executable, for our add-on only", () => {
    const m = JSON.parse(
      readFileSync(path.join(rootDir, `Library/Application Support/Mozilla/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`), "utf8"),
    );
    expect(m).toEqual({
      name: NATIVE_HOST_NAME,
      description: expect.any(String),
      path: "/usr/local/lib/mss-bridge/mss-bridge",
      type: "stdio",
      allowed_extensions: [ADDON_ID],
    });
  });

  it("registers Cryptolib CPS for macOS as the card's PKCS#11 module (the card database's path)", () => {
    const cards = JSON.parse(readFileSync(path.join(repo, "bridge/card/cards.json"), "utf8"));
    const darwin = cards.modules.find((x: { id: string }) => x.id === "cryptolib-cps").paths.darwin[0];
    const m = JSON.parse(
      readFileSync(path.join(rootDir, `Library/Application Support/Mozilla/PKCS11Modules/${PKCS11_MANIFEST_NAME}.json`), "utf8"),
    );
    expect(m).toMatchObject({ name: PKCS11_MANIFEST_NAME, type: "pkcs11", path: darwin, allowed_extensions: [ADDON_ID] });
    expect(darwin).toMatch(/^\/.*\.dylib$/);
  });

  it("gives the hardened runtime exactly the entitlements V8 and Cryptolib CPS need", () => {
    const plist = readFileSync(path.join(out, "entitlements.plist"), "utf8");
    const keys = [...plist.matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g)].map((m) => m[1]);
    expect(keys).toEqual([
      "com.apple.security.cs.allow-jit",
      "com.apple.security.cs.allow-unsigned-executable-memory",
      "com.apple.security.cs.disable-library-validation",
    ]);
    expect(plist).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<!DOCTYPE plist /);
  });

  it("has a productbuild distribution for this version, the machine's domain only, no scripts", () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8"));
    const xml = readFileSync(path.join(out, "distribution.xml"), "utf8");
    expect(xml).toContain(`version="${pkg.version}"`);
    expect(xml).toContain('hostArchitectures="arm64"');
    expect(xml).toContain('enable_localSystem="true" enable_anywhere="false" enable_currentUserHome="false"');
    expect(xml).toContain('require-scripts="false"');
    expect(xml).toMatch(/>mss-bridge-component\.pkg<\/pkg-ref>/);
  });
});
