/**
 * The `mssante_cps` PKCS#11 native manifest that lets Thunderbird load the card's module through
 * `messenger.pkcs11.installModule` (docs/domain/thunderbird.md). Written in the user's own locations only:
 *   Linux   ~/.mozilla/pkcs11-modules/mssante_cps.json
 *   macOS   ~/Library/Application Support/Mozilla/PKCS11Modules/mssante_cps.json
 *   Windows the file in the bridge's data directory, registered under
 *           HKCU\Software\Mozilla\PKCS11Modules\mssante_cps (default value = the file's path)
 * Used by the card service (card.installModuleManifest) and by `mss-bridge install`/`uninstall`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ADDON_ID, PKCS11_MANIFEST_NAME } from "../../shared/constants.ts";
import { resolveDataDir } from "../config/data-dir.ts";

export interface Pkcs11Manifest {
  name: string;
  description: string;
  type: "pkcs11";
  path: string;
  allowed_extensions: string[];
}

export interface ManifestLocationOptions {
  platform?: NodeJS.Platform;
  /** Windows only: where the manifest file lives (default: the bridge's data directory). */
  dataDir?: string;
}

export const WINDOWS_REGISTRY_KEY = `HKCU\\Software\\Mozilla\\PKCS11Modules\\${PKCS11_MANIFEST_NAME}`;

export function pkcs11ManifestPath(home: string = os.homedir(), opts: ManifestLocationOptions = {}): string {
  const file = `${PKCS11_MANIFEST_NAME}.json`;
  switch (opts.platform ?? process.platform) {
    case "darwin":
      return path.join(home, "Library", "Application Support", "Mozilla", "PKCS11Modules", file);
    case "win32":
      return path.join(opts.dataDir ?? resolveDataDir(), file);
    default:
      return path.join(home, ".mozilla", "pkcs11-modules", file);
  }
}

export function buildPkcs11Manifest(modulePath: string, description = "MSSanté: carte CPS / CPS card"): Pkcs11Manifest {
  if (!path.isAbsolute(modulePath)) throw new Error(`The PKCS#11 module path must be absolute: ${modulePath}`);
  return {
    name: PKCS11_MANIFEST_NAME,
    description,
    type: "pkcs11",
    path: modulePath,
    allowed_extensions: [ADDON_ID],
  };
}

/** Writes (atomically) the manifest for `modulePath`; returns the file written. */
export function writePkcs11Manifest(
  modulePath: string,
  home: string = os.homedir(),
  opts: ManifestLocationOptions & { description?: string } = {},
): string {
  const file = pkcs11ManifestPath(home, opts);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(buildPkcs11Manifest(modulePath, opts.description), null, 2)}\n`, { mode: 0o644 });
  renameSync(tmp, file);
  if ((opts.platform ?? process.platform) === "win32") {
    execFileSync("reg", ["add", WINDOWS_REGISTRY_KEY, "/ve", "/t", "REG_SZ", "/d", file, "/f"], { stdio: "ignore" });
  }
  return file;
}

/** The manifest as written, or null when absent or unreadable. */
export function readPkcs11Manifest(home: string = os.homedir(), opts: ManifestLocationOptions = {}): Pkcs11Manifest | null {
  try {
    const m = JSON.parse(readFileSync(pkcs11ManifestPath(home, opts), "utf8")) as Partial<Pkcs11Manifest>;
    if (m && m.type === "pkcs11" && typeof m.path === "string" && Array.isArray(m.allowed_extensions)) return m as Pkcs11Manifest;
    return null;
  } catch {
    return null;
  }
}

/** True when the manifest exists, lets our extension load it, and (if given) points at `modulePath`. */
export function pkcs11ManifestInstalled(modulePath: string | null, home?: string, opts: ManifestLocationOptions = {}): boolean {
  const m = readPkcs11Manifest(home, opts);
  return (
    m !== null &&
    m.name === PKCS11_MANIFEST_NAME &&
    m.allowed_extensions.includes(ADDON_ID) &&
    (modulePath === null || m.path === modulePath)
  );
}

/** Removes the manifest (and its registry key on Windows). Idempotent; returns whether a file was there. */
export function removePkcs11Manifest(home: string = os.homedir(), opts: ManifestLocationOptions = {}): boolean {
  const file = pkcs11ManifestPath(home, opts);
  const existed = existsSync(file);
  rmSync(file, { force: true });
  if ((opts.platform ?? process.platform) === "win32") {
    try {
      execFileSync("reg", ["delete", WINDOWS_REGISTRY_KEY, "/f"], { stdio: "ignore" });
    } catch {
      /* not registered */
    }
  }
  return existed;
}
