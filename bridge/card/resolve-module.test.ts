import { describe, expect, it } from "vitest";
import { loadCardDatabase } from "./card-database.ts";
import { expandModulePath, firstExisting, moduleInstallHint, resolveModule, resolveModuleCandidates } from "./resolve-module.ts";

const db = loadCardDatabase();
const ctx = { db, env: { WINDIR: "C:\\WINDOWS", ProgramFiles: "C:\\Program Files" }, home: "/home/gp" };

describe("resolveModule", () => {
  it("CPS3 on Linux: Cryptolib CPS first, then OpenSC for this architecture, then generic paths", () => {
    expect(resolveModule("cps3-contact", "linux", "x64", null, ctx)).toEqual([
      "/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so",
      "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
      "/usr/lib64/opensc-pkcs11.so",
      "/usr/lib/opensc-pkcs11.so",
      "/usr/local/lib/opensc-pkcs11.so",
    ]);
  });

  it("CPS4 uses Cryptolib CPS only", () => {
    expect(resolveModule("cps4", "linux", "x64", null, ctx)).toEqual(["/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so"]);
    expect(resolveModule("cps4-t0", "darwin", "arm64", null, ctx)).toEqual(["/usr/local/lib/libcps3_pkcs11_osx.dylib"]);
  });

  it("Windows: 64- and 32-bit Cryptolib from %WINDIR%", () => {
    expect(resolveModule("cps4", "win32", "x64", null, ctx)).toEqual(["C:\\WINDOWS\\System32\\cps3_pkcs11_w64.dll"]);
    expect(resolveModule("cps4", "win32", "ia32", null, ctx)).toEqual(["C:\\WINDOWS\\System32\\cps3_pkcs11_w32.dll"]);
    expect(resolveModule("cps3-contact", "win32", "x64", null, ctx)[1]).toBe(
      "C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll",
    );
  });

  it("an explicit --module wins alone", () => {
    expect(resolveModule("cps3-contact", "linux", "x64", "/usr/lib/softhsm/libsofthsm2.so", ctx)).toEqual([
      "/usr/lib/softhsm/libsofthsm2.so",
    ]);
    expect(resolveModule(null, "linux", "x64", "/x.so", ctx)).toEqual(["/x.so"]);
  });

  it("without a model: every module, Cryptolib first", () => {
    const c = resolveModuleCandidates(null, "linux", "x64", null, ctx);
    expect(c[0]?.moduleId).toBe("cryptolib-cps");
    expect(c.some((x) => x.moduleId === "opensc")).toBe(true);
  });

  it("picks the first candidate that exists", () => {
    const c = resolveModuleCandidates("cps3-contact", "linux", "x64", null, ctx);
    expect(firstExisting(c, (p) => p === "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")?.moduleName).toBe("OpenSC");
    expect(firstExisting(c, () => false)).toBeNull();
  });

  it("expands %VAR% case-insensitively, with Windows defaults, and ~/", () => {
    expect(expandModulePath("%windir%\\x.dll", { WINDIR: "D:\\W" })).toBe("D:\\W\\x.dll");
    expect(expandModulePath("%WINDIR%\\x.dll", {})).toBe("C:\\Windows\\x.dll");
    expect(expandModulePath("%NOPE%\\x", {})).toBe("%NOPE%\\x");
    expect(expandModulePath("~/lib/a.so", {}, "/home/gp")).toBe("/home/gp/lib/a.so");
  });

  it("says what to install", () => {
    expect(moduleInstallHint("cps4", db)).toMatch(/Cryptolib CPS.*5\.2/);
    expect(moduleInstallHint("cps3-contact", db)).toMatch(/OpenSC also works/);
    expect(moduleInstallHint("cps4", db, "/bad.so")).toMatch(/\/bad\.so.*--module/);
  });
});
