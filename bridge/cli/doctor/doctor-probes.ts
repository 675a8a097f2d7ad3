/**
 * What `mss-bridge doctor` looks at on the PC: Thunderbird (its command and install directories,
 * snap and Flatpak installs), the card's module, the manifests Thunderbird reads, the data
 * directory, the directory index, the configuration. Every path and the command runner come from a
 * DoctorContext, so a test can point them at a layout of its own (a fake snap).
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { ADDON_ID, NATIVE_HOST_NAME, PKCS11_MANIFEST_NAME } from "../../../shared/constants.ts";
import { nativeManifestPath } from "../../app/native-manifest.ts";
import { loadCardDatabase } from "../../card/card-database.ts";
import { pkcs11ManifestPath } from "../../card/pkcs11-manifest.ts";
import { firstExisting, resolveModuleCandidates } from "../../card/resolve-module.ts";
import { defaultConfig, type BridgeConfig } from "../../config/config.ts";
import { assertPrivateDataDir, dataPaths } from "../../config/data-dir.ts";
import { loadConfigLayers } from "../../config/load-config.ts";
import { openIndexFile } from "../../directory/index/index-file.ts";
import { STALE_AFTER_DAYS } from "../../directory/offline-directory.ts";
import {
  type Check,
  checkConfig,
  checkDataDir,
  checkDirectory,
  checkManifest,
  checkModule,
  checkSandbox,
  checkThunderbird,
  type ConfigFacts,
  type ManifestFacts,
  type ManifestFile,
  type ThunderbirdFacts,
} from "./doctor-checks.ts";
import { parseApplicationIni, parseVersionOutput } from "./thunderbird-version.ts";

/** Runs a program; null when it cannot be started. */
export type CommandRunner = (file: string, args: string[]) => { status: number | null; stdout: string } | null;

export interface DoctorPaths {
  /** The Thunderbird command run with --version (a name looked up on PATH, or a path); "" for none. */
  thunderbirdCommand: string;
  /** Install directories whose application.ini gives the version when the command gives none. */
  thunderbirdDirs: string[];
  /** Paths whose presence means a snap, or a Flatpak, Thunderbird. */
  snapPaths: string[];
  flatpakPaths: string[];
  /** System directories of native-messaging host and PKCS#11 module manifests (a package's). */
  systemNativeHostDirs: string[];
  systemPkcs11Dirs: string[];
}

export interface DoctorContext {
  platform: NodeJS.Platform;
  arch: string;
  home: string;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  machineConfigFile: string;
  uid?: number;
  now: () => number;
  run: CommandRunner;
  paths: DoctorPaths;
  /** manifest.json's supported Thunderbird majors. */
  supported: { min: number; max: number };
}

export function defaultDoctorPaths(platform: NodeJS.Platform, home: string, env: NodeJS.ProcessEnv): DoctorPaths {
  if (platform === "win32") {
    const pf = [env.ProgramFiles ?? "C:\\Program Files", env["ProgramFiles(x86)"] ?? "C:\\Program Files (x86)"];
    return {
      thunderbirdCommand: "", // a GUI program: --version prints nothing to a console
      thunderbirdDirs: pf.map((p) => path.win32.join(p, "Mozilla Thunderbird")),
      snapPaths: [],
      flatpakPaths: [],
      systemNativeHostDirs: [], // the registry names them (registryManifest)
      systemPkcs11Dirs: [],
    };
  }
  if (platform === "darwin") {
    const app = "/Applications/Thunderbird.app/Contents";
    const lib = "/Library/Application Support/Mozilla";
    return {
      thunderbirdCommand: `${app}/MacOS/thunderbird`,
      thunderbirdDirs: [`${app}/Resources`],
      snapPaths: [],
      flatpakPaths: [],
      systemNativeHostDirs: [`${lib}/NativeMessagingHosts`],
      systemPkcs11Dirs: [`${lib}/PKCS11Modules`],
    };
  }
  const flatpakIds = ["org.mozilla.Thunderbird", "net.thunderbird.Thunderbird"];
  return {
    thunderbirdCommand: "thunderbird",
    thunderbirdDirs: ["/usr/lib/thunderbird", "/usr/lib64/thunderbird", "/opt/thunderbird", "/usr/local/lib/thunderbird"],
    snapPaths: ["/snap/thunderbird", "/snap/bin/thunderbird"],
    flatpakPaths: flatpakIds.flatMap((id) => [`/var/lib/flatpak/app/${id}`, path.join(home, ".local/share/flatpak/app", id)]),
    systemNativeHostDirs: ["/usr/lib/mozilla/native-messaging-hosts", "/usr/lib64/mozilla/native-messaging-hosts"],
    systemPkcs11Dirs: ["/usr/lib/mozilla/pkcs11-modules", "/usr/lib64/mozilla/pkcs11-modules"],
  };
}

export const runCommand: CommandRunner = (file, args) => {
  const r = spawnSync(file, args, { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "ignore"], windowsHide: true });
  if (r.error) return null;
  return { status: r.status, stdout: r.stdout };
};

function findOnPath(command: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | null {
  if (!command) return null;
  if (path.isAbsolute(command)) return existsSync(command) ? command : null;
  for (const dir of (env.PATH ?? "").split(platform === "win32" ? ";" : ":")) {
    const p = path.join(dir, command);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** "snap" or "flatpak" when the command is one of theirs (a link into them, or Ubuntu's wrapper script that runs the snap). */
function sandboxOf(file: string): "snap" | "flatpak" | null {
  let real = file;
  try {
    real = realpathSync(file);
  } catch {
    /* keep the name */
  }
  if (real.startsWith("/snap/") || real === "/usr/bin/snap") return "snap";
  if (real.includes("/flatpak/")) return "flatpak";
  try {
    if (statSync(real).size < 4096) {
      const text = readFileSync(real, "utf8");
      if (text.startsWith("#!") && /\/snap\/bin\/thunderbird|snap run thunderbird/.test(text)) return "snap";
      if (text.startsWith("#!") && /flatpak run/.test(text)) return "flatpak";
    }
  } catch {
    /* unreadable: not a wrapper we know */
  }
  return null;
}

export function probeThunderbird(ctx: DoctorContext): ThunderbirdFacts {
  const sandboxed: ThunderbirdFacts["sandboxed"] = [];
  for (const [kind, list] of [
    ["snap", ctx.paths.snapPaths],
    ["flatpak", ctx.paths.flatpakPaths],
  ] as const) {
    const where = list.find((p) => existsSync(p));
    if (where) sandboxed.push({ kind, where });
  }
  let found: ThunderbirdFacts["found"] = null;
  const command = findOnPath(ctx.paths.thunderbirdCommand, ctx.env, ctx.platform);
  if (command) {
    const kind = sandboxOf(command);
    if (kind) {
      if (!sandboxed.some((s) => s.kind === kind)) sandboxed.push({ kind, where: command });
    } else {
      const r = ctx.run(command, ["--version"]);
      const v = r && r.status === 0 ? parseVersionOutput(r.stdout) : null;
      if (v) found = { ...v, where: command };
    }
  }
  for (const dir of found ? [] : ctx.paths.thunderbirdDirs) {
    try {
      const v = parseApplicationIni(readFileSync(path.join(dir, "application.ini"), "utf8"));
      if (v) {
        found = { ...v, where: dir };
        break;
      }
    } catch {
      /* not installed there */
    }
  }
  return { found, sandboxed, supported: ctx.supported };
}

const CRYPTOLIB_ID = "cryptolib-cps";

function moduleCheck(ctx: DoctorContext, config: BridgeConfig, machineSetsModule: boolean): Check {
  let db: ReturnType<typeof loadCardDatabase>;
  try {
    db = loadCardDatabase(config.cardDatabaseFile);
  } catch {
    db = loadCardDatabase(null);
  }
  const rc = { db, env: ctx.env, home: ctx.home };
  const all = resolveModuleCandidates(null, ctx.platform, ctx.arch, null, rc);
  const cryptolib = all.filter((c) => c.moduleId === CRYPTOLIB_ID).map((c) => ({ path: c.path, exists: existsSync(c.path) }));
  const alt = firstExisting(
    all.filter((c) => c.moduleId !== CRYPTOLIB_ID),
    existsSync,
  );
  const installEn = db.modules.find((m) => m.id === CRYPTOLIB_ID)?.install ?? "Install Cryptolib CPS from the ANS website.";
  return checkModule({
    configured: config.modulePath
      ? { path: config.modulePath, exists: existsSync(config.modulePath), fromMachine: machineSetsModule }
      : null,
    cryptolib,
    alternative: alt ? { name: alt.moduleName, path: alt.path } : null,
    installFr:
      "Installez Cryptolib CPS (5.2 ou plus récent pour une CPS4) depuis le site de l'ANS (esante.gouv.fr, « Cryptolib CPS »), puis relancez mss-bridge doctor.",
    installEn,
  });
}

function manifestFile(file: string, type: "stdio" | "pkcs11", name: string): ManifestFile {
  let m: { name?: unknown; type?: unknown; path?: unknown; allowed_extensions?: unknown };
  if (!existsSync(file)) return { file, problem: "the file does not exist" };
  try {
    m = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    return { file, problem: `unreadable JSON: ${(e as Error).message}` };
  }
  if (m?.name !== name || m.type !== type) return { file, problem: `not the ${name} manifest` };
  if (!Array.isArray(m.allowed_extensions) || !m.allowed_extensions.includes(ADDON_ID))
    return { file, problem: `does not allow ${ADDON_ID}` };
  if (typeof m.path !== "string" || !existsSync(m.path)) return { file, problem: `its path ${String(m.path)} does not exist` };
  return { file, problem: null };
}

/** The file a registry key's default value names (`reg query KEY /ve`), null when the key is absent. Windows only. */
export function registryManifest(run: CommandRunner, key: string, view: "32" | "64" | null): string | null {
  const r = run("reg", ["query", key, "/ve", ...(view ? [`/reg:${view}`] : [])]);
  if (r?.status !== 0) return null;
  // "    (Default)    REG_SZ    C:\…\mssante_bridge.json" (the label is translated: match the type)
  return /REG_(?:EXPAND_)?SZ\s+(.+?)\s*$/m.exec(r.stdout)?.[1] ?? null;
}

function windowsManifests(ctx: DoctorContext, kind: ManifestFacts["kind"], name: string): { user: string | null; system: string[] } {
  const sub = `Software\\Mozilla\\${kind === "native-messaging" ? "NativeMessagingHosts" : "PKCS11Modules"}\\${name}`;
  const system = [registryManifest(ctx.run, `HKLM\\${sub}`, "32"), registryManifest(ctx.run, `HKLM\\${sub}`, "64")];
  return { user: registryManifest(ctx.run, `HKCU\\${sub}`, null), system: [...new Set(system.filter((f): f is string => f !== null))] };
}

function manifestFacts(ctx: DoctorContext, kind: ManifestFacts["kind"]): ManifestFacts {
  const native = kind === "native-messaging";
  const name = native ? NATIVE_HOST_NAME : PKCS11_MANIFEST_NAME;
  const type = native ? "stdio" : "pkcs11";
  if (ctx.platform === "win32") {
    // Thunderbird finds them through the registry (HKCU, then HKLM's 32-bit and 64-bit views).
    const w = windowsManifests(ctx, kind, name);
    return { kind, name, user: w.user ? manifestFile(w.user, type, name) : null, system: w.system.map((f) => manifestFile(f, type, name)) };
  }
  const userFile = native
    ? nativeManifestPath(ctx.home, ctx.platform, ctx.dataDir)
    : pkcs11ManifestPath(ctx.home, { platform: ctx.platform, dataDir: ctx.dataDir });
  const dirs = native ? ctx.paths.systemNativeHostDirs : ctx.paths.systemPkcs11Dirs;
  const system = dirs.map((d) => path.join(d, `${name}.json`)).filter((f) => existsSync(f));
  return {
    kind,
    name,
    user: existsSync(userFile) ? manifestFile(userFile, type, name) : null,
    system: system.map((f) => manifestFile(f, type, name)),
  };
}

function dataDirCheck(ctx: DoctorContext): Check {
  const exists = existsSync(ctx.dataDir);
  let unsafe: string | null = null;
  try {
    if (exists) assertPrivateDataDir(ctx.dataDir, ctx.uid === undefined ? {} : { uid: ctx.uid });
  } catch (e) {
    unsafe = (e as Error).message;
  }
  return checkDataDir({ dir: ctx.dataDir, exists, unsafe });
}

function directoryCheck(ctx: DoctorContext, config: BridgeConfig, machineSetsDb: boolean): Check {
  const dbPath = config.directory.dbPath ?? dataPaths(ctx.dataDir).directoryIndex;
  let writable = true;
  try {
    accessSync(path.dirname(path.resolve(dbPath)), constants.W_OK);
  } catch {
    writable = false;
  }
  let index: { count: number; sourceDate: string | null; builtAt: string } | null = null;
  let error: string | null = null;
  if (config.directory.source === "offline") {
    try {
      const f = openIndexFile(dbPath);
      index = { count: f.meta.count, sourceDate: f.meta.sourceDate, builtAt: f.meta.builtAt };
      f.close();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") error = (e as Error).message;
    }
  }
  return checkDirectory({
    source: config.directory.source,
    ldapUrl: config.directory.ldap?.url ?? null,
    dbPath,
    shared: config.directory.dbPath !== null && (!writable || machineSetsDb),
    index,
    error,
    now: ctx.now(),
    staleAfterDays: STALE_AFTER_DAYS,
  });
}

/** Runs every check, in the order they are printed. */
export function runDoctor(ctx: DoctorContext): Check[] {
  let config: BridgeConfig = defaultConfig();
  let facts: ConfigFacts = {
    machineFile: ctx.machineConfigFile,
    state: "none",
    error: null,
    ownedByUser: false,
    keys: [],
    locked: [],
    overridden: [],
  };
  try {
    const layers = loadConfigLayers(dataPaths(ctx.dataDir).config, {
      machineFile: ctx.machineConfigFile,
      ...(ctx.uid === undefined ? {} : { uid: ctx.uid }),
    });
    config = layers.config;
    if (layers.machine) {
      const uid = ctx.uid ?? process.getuid?.();
      const owner = ctx.platform === "win32" ? undefined : statSync(layers.machine.file).uid;
      facts = {
        ...facts,
        state: "ok",
        ownedByUser: owner !== undefined && owner !== 0 && owner === uid,
        keys: layers.machine.keys,
        locked: layers.machine.locked,
        overridden: layers.overridden,
      };
    }
  } catch (e) {
    facts = { ...facts, state: "error", error: (e as Error).message };
  }
  const machineSets = (key: string) => facts.keys.includes(key);
  const tb = probeThunderbird(ctx);
  const checks = [checkThunderbird(tb)];
  if (ctx.platform === "linux") checks.push(checkSandbox(tb));
  checks.push(
    moduleCheck(ctx, config, machineSets("modulePath")),
    checkManifest(manifestFacts(ctx, "native-messaging")),
    checkManifest(manifestFacts(ctx, "pkcs11")),
    dataDirCheck(ctx),
    directoryCheck(ctx, config, machineSets("directory.dbPath")),
    checkConfig(facts),
  );
  return checks;
}
