import { describe, expect, it } from "vitest";
import { modulesOfLibrary, sameLibrary, type LoadedModule } from "./pkcs11-modules.ts";

const LINUX = { caseInsensitive: false, windows: false };
const WIN = { caseInsensitive: true, windows: true };
const MAC = { caseInsensitive: true, windows: false };
const CPS = "/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so";

describe("sameLibrary", () => {
  it("the same path, or two paths resolving to the same file (a symbolic link)", () => {
    expect(sameLibrary({ path: CPS, resolved: CPS }, { path: CPS, resolved: null }, LINUX)).toBe(true);
    expect(sameLibrary({ path: CPS, resolved: CPS }, { path: "/usr/lib/libcps3_pkcs11_lux.so", resolved: CPS }, LINUX)).toBe(true);
  });

  it("two spellings of one path: repeated separators, `.` parts", () => {
    expect(
      sameLibrary({ path: CPS, resolved: null }, { path: "/opt/santesocial//CPS/./lib/libcps3_pkcs11_lux.so", resolved: null }, LINUX),
    ).toBe(true);
  });

  it("a bare file name, found by the loader, by its name", () => {
    expect(sameLibrary({ path: CPS, resolved: CPS }, { path: "libcps3_pkcs11_lux.so", resolved: null }, LINUX)).toBe(true);
    expect(sameLibrary({ path: CPS, resolved: CPS }, { path: "opensc-pkcs11.so", resolved: null }, LINUX)).toBe(false);
  });

  it("letter case and separators count only where the file system ignores them", () => {
    const win = "C:\\Windows\\System32\\cps3_pkcs11_w64.dll";
    expect(sameLibrary({ path: win, resolved: win }, { path: "c:/windows/system32/CPS3_PKCS11_W64.DLL", resolved: null }, WIN)).toBe(true);
    expect(
      sameLibrary(
        { path: "/usr/local/lib/libcps3_pkcs11_osx.dylib", resolved: null },
        { path: "/usr/local/lib/LIBCPS3_pkcs11_osx.dylib", resolved: null },
        MAC,
      ),
    ).toBe(true);
    expect(sameLibrary({ path: CPS, resolved: CPS }, { path: CPS.toUpperCase(), resolved: null }, LINUX)).toBe(false);
  });

  it("another library, another copy elsewhere, or NSS's internal module (no library) are not the same", () => {
    expect(
      sameLibrary(
        { path: CPS, resolved: CPS },
        { path: "/usr/lib/x86_64-linux-gnu/libnssckbi.so", resolved: "/usr/lib/x86_64-linux-gnu/libnssckbi.so" },
        LINUX,
      ),
    ).toBe(false);
    expect(
      sameLibrary(
        { path: CPS, resolved: CPS },
        { path: "/home/x/old/libcps3_pkcs11_lux.so", resolved: "/home/x/old/libcps3_pkcs11_lux.so" },
        LINUX,
      ),
    ).toBe(false);
    expect(sameLibrary({ path: CPS, resolved: CPS }, { path: "", resolved: null }, LINUX)).toBe(false);
  });
});

describe("modulesOfLibrary", () => {
  const mod = (name: string, libName: string, resolved: string | null = libName): LoadedModule => ({
    name,
    libName,
    resolved,
    tokenPresent: false,
  });
  it("keeps the modules on that library, in Thunderbird's order", () => {
    const modules = [
      mod("NSS Internal PKCS #11 Module", "", null),
      mod("Builtin Roots Module", "/usr/lib/thunderbird/libnssckbi.so"),
      mod("CPS", "/usr/lib/libcps3_pkcs11_lux.so", CPS),
      mod("MSSanté: carte CPS / CPS card (Cryptolib CPS)", CPS),
    ];
    expect(modulesOfLibrary({ path: CPS, resolved: CPS }, modules, LINUX).map((m) => m.name)).toEqual([
      "CPS",
      "MSSanté: carte CPS / CPS card (Cryptolib CPS)",
    ]);
    expect(modulesOfLibrary({ path: "/usr/lib/softhsm/libsofthsm2.so", resolved: null }, modules, LINUX)).toEqual([]);
  });
});
