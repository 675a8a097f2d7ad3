/**
 * `mss-bridge install` / `uninstall`: writes (removes) what Thunderbird needs in the user's
 * locations: the `mssante_cps` pkcs11 manifest for the card's module, and the `mssante_bridge`
 * native-messaging manifest with its launcher. Uses os.homedir(), so a private HOME isolates it.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { ensureDataDir, dataPaths } from "../config/data-dir.ts";
import { PairingStore } from "../pairing/pairing-store.ts";
import {
  cliEntry,
  launcherPath,
  launcherScript,
  nativeManifest,
  nativeManifestPath,
  WINDOWS_REGISTRY_KEY,
} from "../app/native-manifest.ts";
import { existsSync } from "node:fs";
import { pkcs11ManifestPath, removePkcs11Manifest, writePkcs11Manifest } from "../card/pkcs11-manifest.ts";
import { loadCardDatabase } from "../card/card-database.ts";
import { firstExisting, moduleInstallHint, resolveModuleCandidates } from "../card/resolve-module.ts";
import { lockedKeyNotice } from "../config/machine-config.ts";
import { addDataDirOption, CliError, configLayersFor, dataDirFrom, Exit, out } from "./common.ts";

export function registerInstallCommands(program: Command, run: (fn: () => Promise<number>) => Promise<void>): void {
  addDataDirOption(
    program
      .command("install")
      .description("register the card's PKCS#11 module (mssante_cps) and the pairing host (mssante_bridge) for Thunderbird")
      .option("--module <path>", "PKCS#11 module to register (default: from the card database for this OS)")
      .option("--no-pkcs11", "only register the pairing host"),
  ).action((opts: { module?: string; pkcs11: boolean; dataDir?: string }) =>
    run(() => install(dataDirFrom(opts), opts.module ?? null, opts.pkcs11)),
  );
  addDataDirOption(program.command("uninstall").description("remove what `install` wrote")).action((opts) =>
    run(() => uninstall(dataDirFrom(opts))),
  );
}

export function writeNativeHost(dataDir: string, home = os.homedir(), platform = process.platform): { manifest: string; launcher: string } {
  const launcher = launcherPath(dataDir, platform);
  writeFileSync(launcher, launcherScript(process.execPath, cliEntry(), dataDir, platform), { mode: 0o700 });
  chmodSync(launcher, 0o700);
  const manifest = nativeManifestPath(home, platform, dataDir);
  mkdirSync(path.dirname(manifest), { recursive: true });
  writeFileSync(manifest, `${JSON.stringify(nativeManifest(launcher), null, 2)}\n`, { mode: 0o644 });
  if (platform === "win32") {
    execFileSync("reg", ["add", WINDOWS_REGISTRY_KEY, "/ve", "/t", "REG_SZ", "/d", manifest, "/f"], { stdio: "ignore" });
  }
  return { manifest, launcher };
}

export function removeNativeHost(dataDir: string, home = os.homedir(), platform = process.platform): string[] {
  const removed: string[] = [];
  for (const f of [nativeManifestPath(home, platform, dataDir), launcherPath(dataDir, platform)]) {
    try {
      rmSync(f);
      removed.push(f);
    } catch {}
  }
  if (platform === "win32") {
    try {
      execFileSync("reg", ["delete", WINDOWS_REGISTRY_KEY, "/f"], { stdio: "ignore" });
    } catch {}
  }
  return removed;
}

async function install(dataDir: string, modulePath: string | null, withPkcs11: boolean): Promise<number> {
  ensureDataDir(dataDir);
  PairingStore.open(dataPaths(dataDir).pairing); // creates the per-installation secret if needed
  const { manifest, launcher } = writeNativeHost(dataDir);
  out(`Pairing host registered: ${manifest} → ${launcher}`);
  if (withPkcs11) {
    const { config, machine } = configLayersFor(dataDir);
    const lockedModule = machine?.locked.includes("modulePath") ?? false;
    if (lockedModule && modulePath !== null && modulePath !== config.modulePath) {
      out(`--module ignored: ${lockedKeyNotice("modulePath", machine!.file, "the command line")}`);
    }
    const module = (lockedModule ? null : modulePath) ?? config.modulePath ?? defaultModule(config.cardDatabaseFile);
    if (!module) {
      const hint = moduleInstallHint(null, loadCardDatabase(config.cardDatabaseFile), null);
      throw new CliError(Exit.UNAVAILABLE, `No PKCS#11 module for the CPS card was found on this computer. ${hint}`);
    }
    if (!path.isAbsolute(module)) throw new CliError(Exit.BAD_INPUT, `The module path must be absolute: ${module}`);
    if (!existsSync(module)) throw new CliError(Exit.BAD_INPUT, `The PKCS#11 module ${module} does not exist.`);
    try {
      const where = writePkcs11Manifest(module, os.homedir(), { dataDir });
      out(`Card module registered for Thunderbird: ${where} → ${module}`);
    } catch (e) {
      throw new CliError(Exit.UNAVAILABLE, `Could not register the card's module: ${(e as Error).message}`);
    }
  }
  return Exit.OK;
}

/** The first module of the card database (CPS3's first choice) present on this computer. */
function defaultModule(cardDatabaseFile: string | null): string | null {
  const db = loadCardDatabase(cardDatabaseFile);
  const c = resolveModuleCandidates(null, process.platform, process.arch, null, { db, env: process.env, home: os.homedir() });
  return firstExisting(c, existsSync)?.path ?? null;
}

async function uninstall(dataDir: string): Promise<number> {
  for (const f of removeNativeHost(dataDir)) out(`Removed ${f}`);
  if (removePkcs11Manifest(os.homedir(), { dataDir })) out(`Removed ${pkcs11ManifestPath(os.homedir(), { dataDir })}`);
  return Exit.OK;
}
