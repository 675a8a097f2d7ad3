import { mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ADDON_ID } from "../../shared/constants.ts";
import {
  pkcs11ManifestInstalled,
  pkcs11ManifestPath,
  readPkcs11Manifest,
  removePkcs11Manifest,
  writePkcs11Manifest,
} from "./pkcs11-manifest.ts";

const home = () => mkdtempSync(path.join(os.tmpdir(), "home-"));

describe("pkcs11 manifest", () => {
  it("lives in the user's Thunderbird location for each OS", () => {
    expect(pkcs11ManifestPath("/home/gp", { platform: "linux" })).toBe("/home/gp/.mozilla/pkcs11-modules/mssante_cps.json");
    expect(pkcs11ManifestPath("/Users/gp", { platform: "darwin" })).toBe(
      "/Users/gp/Library/Application Support/Mozilla/PKCS11Modules/mssante_cps.json",
    );
    expect(pkcs11ManifestPath("/x", { platform: "win32", dataDir: "/data" })).toBe(path.join("/data", "mssante_cps.json"));
  });

  it("writes, reads, checks and removes the manifest (Linux layout)", () => {
    const h = home();
    expect(pkcs11ManifestInstalled(null, h, { platform: "linux" })).toBe(false);
    const file = writePkcs11Manifest("/usr/lib/softhsm/libsofthsm2.so", h, { platform: "linux" });
    expect(file).toBe(path.join(h, ".mozilla/pkcs11-modules/mssante_cps.json"));
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      name: "mssante_cps",
      description: "MSSanté: carte CPS / CPS card",
      type: "pkcs11",
      path: "/usr/lib/softhsm/libsofthsm2.so",
      allowed_extensions: [ADDON_ID],
    });
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readPkcs11Manifest(h, { platform: "linux" })?.path).toBe("/usr/lib/softhsm/libsofthsm2.so");
    expect(pkcs11ManifestInstalled("/usr/lib/softhsm/libsofthsm2.so", h, { platform: "linux" })).toBe(true);
    expect(pkcs11ManifestInstalled("/other.so", h, { platform: "linux" })).toBe(false);
    expect(removePkcs11Manifest(h, { platform: "linux" })).toBe(true);
    expect(removePkcs11Manifest(h, { platform: "linux" })).toBe(false);
    expect(readPkcs11Manifest(h, { platform: "linux" })).toBeNull();
  });

  it("refuses a relative module path", () => {
    expect(() => writePkcs11Manifest("lib.so", home(), { platform: "linux" })).toThrow(/absolute/);
  });
});
