/**
 * The release workflows (.github/workflows/release-*.yml) have never run (docs/packaging.md): this
 * checks what can be checked here — no tab (YAML forbids them in indentation), every script they
 * call exists, Node comes from .node-version, the secrets are only read from `secrets.`, and the
 * signing and notarization steps the packaging document promises are there.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (name: string) => readFileSync(path.join(repo, ".github/workflows", name), "utf8");

describe.each(["release-windows.yml", "release-macos.yml"])("%s", (name) => {
  const text = read(name);

  it("is indented with spaces, says it never ran, and takes Node from .node-version", () => {
    expect(text).not.toMatch(/\t/);
    expect(text).toMatch(/NEVER RUN YET/);
    expect(text.match(/node-version-file: \.node-version/g)?.length).toBe(name === "release-windows.yml" ? 2 : 1);
    expect(text).not.toMatch(/node-version: /);
  });

  it("calls only scripts that exist", () => {
    for (const m of text.matchAll(/node (scripts\/[\w/.-]+\.mjs)/g)) expect(existsSync(path.join(repo, m[1]!)), m[1]).toBe(true);
    for (const m of text.matchAll(/npm run ([\w:-]+)/g)) expect(["build", "package"]).toContain(m[1]);
  });

  it("reads keys and passwords from secrets only", () => {
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    for (const m of text.matchAll(/\$\{\{\s*([^}]+?)\s*\}\}/g)) expect(m[1]).toMatch(/^(secrets\.[A-Z0-9_]+|github\.token)$/);
  });
});

describe("the signing steps", () => {
  it("Windows: the executable and modules signed before the MSI is built, then the MSI, verified", () => {
    const text = read("release-windows.yml");
    const order = ["sign.mjs authenticode", "msi.mjs --payload dist/sea-win", "sign.mjs authenticode", "osslsigncode verify"];
    let at = 0;
    for (const step of order) {
      at = text.indexOf(step, at);
      expect(at, step).toBeGreaterThan(0);
      at += step.length;
    }
  });

  it("macOS: hardened runtime with the entitlements, a signed product, notarized and stapled", () => {
    const text = read("release-macos.yml");
    expect(text).toMatch(/codesign --force --timestamp --options runtime .*\\\n\s+--entitlements "\$OUT\/entitlements\.plist"/);
    expect(text).toMatch(/pkgbuild --root "\$OUT\/root" --install-location \//);
    expect(text).toMatch(/productbuild --distribution "\$OUT\/distribution\.xml"/);
    expect(text).toMatch(/xcrun notarytool submit .* --wait/);
    expect(text).toMatch(/xcrun stapler staple/);
  });
});
