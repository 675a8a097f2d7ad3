/**
 * The machine-wide configuration IT writes once per computer, read before the user's config.json:
 *   Linux   /etc/mss-bridge/config.json
 *   Windows %ProgramData%\MSSante\Bridge\config.json
 *   macOS   /Library/Application Support/MSSante/Bridge/config.json
 * ($MSS_BRIDGE_MACHINE_CONFIG names another file where the OS's does not exist: packaging tests, IT trials.)
 * Same format as config.json. Its keys are defaults for every user; those of LOCKED_KEYS it sets
 * cannot be changed by a user's config.json or command line (docs/configuration.md).
 */
import { existsSync, realpathSync, type Stats, statSync } from "node:fs";
import path from "node:path";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { defaultConfig } from "./config.ts";

/** Environment variable naming the machine configuration instead of the OS's location (used only when set). */
export const MACHINE_CONFIG_ENV = "MSS_BRIDGE_MACHINE_CONFIG";

/** Largest machine configuration read (a configuration is a few kB). */
export const MACHINE_CONFIG_MAX_BYTES = 1024 * 1024;

/**
 * Keys IT's file locks when it sets them: the PKCS#11 library the bridge loads (`modulePath`, and
 * `cardDatabaseFile`, whose entries name libraries too), where the directory comes from (source,
 * LDAP server, shared index, extraction), the trust list's source, and the download proxy with its
 * CA, and the FHIR API's key, address and this bridge's share of the key's calls per second (one key
 * may serve every user of a terminal server). The other keys set there are defaults a user may change.
 */
export const LOCKED_KEYS = [
  "modulePath",
  "cardDatabaseFile",
  "directory.source",
  "directory.dbPath",
  "directory.extractionSource",
  "directory.ldap",
  "directory.live.apiKey",
  "directory.live.baseUrl",
  "directory.live.requestsPerSecond",
  "trust.whitelistSource",
  "network.proxy",
  "network.extraCaFile",
  "psc",
] as const;

/**
 * Where this OS keeps the machine configuration. $MSS_BRIDGE_MACHINE_CONFIG names another file only
 * where the OS's file does not exist: once IT has written one, a user's environment cannot swap it
 * for a file of their own and so escape the locks.
 */
export function machineConfigPath(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  exists: (file: string) => boolean = existsSync,
): string {
  const system = systemMachineConfigPath(platform, env);
  const fromEnv = env[MACHINE_CONFIG_ENV];
  return fromEnv && !exists(system) ? path.resolve(fromEnv) : system;
}

function systemMachineConfigPath(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  switch (platform) {
    case "win32":
      return path.win32.join(env.ProgramData ?? env.PROGRAMDATA ?? "C:\\ProgramData", "MSSante", "Bridge", "config.json");
    case "darwin":
      return "/Library/Application Support/MSSante/Bridge/config.json";
    default:
      return "/etc/mss-bridge/config.json";
  }
}

const q = (p: string) => `'${p.replace(/'/g, "'\\''")}'`;

/**
 * Refuses a machine configuration another user could have written: it names the PKCS#11 library
 * every user's bridge loads, so whoever can write it runs code as each of them. Accepted owners:
 * root, or the user running this bridge (a single-user computer, a developer's box: that user
 * gains nothing they could not do already). Refused: another owner, or group/other write
 * permission, on the file, on its directory or on a directory above (which would let the file be
 * replaced; a sticky one such as /tmp is fine). Returns
 * false when there is no file. Not checked on Windows (no POSIX modes; ProgramData's ACLs are the
 * installer's job).
 */
export function assertSafeMachineConfig(file: string, opts: { uid?: number; platform?: NodeJS.Platform } = {}): boolean {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new BridgeError(ErrorCode.INTERNAL_ERROR, `Cannot read the machine configuration ${file}: ${(e as Error).message}`);
  }
  if (!st.isFile())
    throw new BridgeError(ErrorCode.INTERNAL_ERROR, `The machine configuration ${file} is not a file. Remove it or ask IT.`);
  if ((opts.platform ?? process.platform) === "win32") return true;
  const uid = opts.uid ?? process.getuid?.();
  // The directories that hold the file itself (a link to it is followed): those are what others must not write.
  const dir = path.dirname(realpathSync(file));
  const check = (p: string, stat: Stats, what: string, fix: string) => {
    if (uid !== undefined && stat.uid !== 0 && stat.uid !== uid) {
      throw new BridgeError(
        ErrorCode.INTERNAL_ERROR,
        `The machine configuration's ${what} ${p} belongs to another user (uid ${stat.uid}), not root: ` +
          `the bridge refuses it, since it names the card's PKCS#11 library every user's bridge loads. IT fixes it with: sudo chown root: ${q(p)}.`,
      );
    }
    // A sticky directory (/tmp) lets no one rename or remove what others own in it.
    const sticky = what === "directory above it" && (stat.mode & 0o1000) !== 0;
    if ((stat.mode & 0o022) !== 0 && !sticky) {
      throw new BridgeError(
        ErrorCode.INTERNAL_ERROR,
        `The machine configuration's ${what} ${p} is writable by other users (mode ${(stat.mode & 0o777).toString(8)}): ` +
          `the bridge refuses it, since it names the card's PKCS#11 library every user's bridge loads. IT fixes it with: ${fix}.`,
      );
    }
  };
  // The directories above: whoever can write one of them can put another directory in its place.
  for (let a = path.dirname(dir); ; a = path.dirname(a)) {
    check(a, statSync(a), "directory above it", `sudo chmod go-w ${q(a)}`);
    if (path.dirname(a) === a) break;
  }
  check(dir, statSync(dir), "directory", `sudo chmod 755 ${q(dir)}`);
  check(file, st, "file", `sudo chmod 644 ${q(file)}`);
  return true;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const LDAP_KEYS = ["url", "baseDn", "startTls", "caFile", "bind", "allowPlaintextBind", "attributes", "sizeLimit", "timeLimitSeconds"];
/** Keys whose value is an object of free keys (domains, attribute names). */
/** The keys of `psc` (shared/domain/psc-provider.ts PscConfig): no client secret among them. */
const PSC_KEYS = ["preset", "clientId", "issuer", "authorizationEndpoint", "tokenEndpoint"];

const FREE_OBJECTS = new Set(["discovery.overrides", "directory.ldap.attributes", "directory.ldap.bind"]);

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** The first problem of a key against its default, or null. */
function valueProblem(key: string, v: unknown, def: unknown): string | null {
  if (FREE_OBJECTS.has(key)) return isObject(v) ? null : `"${key}" must be an object`;
  if (def === null) {
    if (key === "directory.ldap" || key === "psc") return v === null || isObject(v) ? null : `"${key}" must be an object or null`;
    return v === null || typeof v === "string" ? null : `"${key}" must be a string or null`;
  }
  return kindOf(v) === kindOf(def)
    ? null
    : `"${key}" must be ${kindOf(def) === "array" ? "an array" : `a ${kindOf(def)}`}, not ${kindOf(v)}`;
}

function keysProblem(o: Record<string, unknown>, def: Record<string, unknown> | null, prefix: string, known?: string[]): string | null {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix + k;
    const isKnown = known ? known.includes(k) : def !== null && Object.hasOwn(def, k);
    if (!isKnown) return `"${key}" is not a configuration key`;
    const d = def?.[k] ?? null;
    const problem = valueProblem(key, v, d);
    if (problem) return problem;
    if (FREE_OBJECTS.has(key) || !isObject(v)) continue;
    const inner =
      key === "directory.ldap"
        ? keysProblem(v, null, `${key}.`, LDAP_KEYS)
        : key === "psc"
          ? keysProblem(v, null, `${key}.`, PSC_KEYS)
          : keysProblem(v, d as Record<string, unknown>, `${key}.`);
    if (inner) return inner;
  }
  return null;
}

/**
 * Checks a parsed machine configuration as hostile input: an object whose keys all exist, with
 * values of the defaults' types. Stricter than the user's file on purpose: a misspelt key there
 * would silently leave a setting IT meant to lock unlocked. Throws with the file and what to fix.
 */
export function validateMachineConfig(parsed: unknown, file: string): Record<string, unknown> {
  const fail = (why: string): never => {
    throw new BridgeError(
      ErrorCode.INTERNAL_ERROR,
      `The machine configuration ${file} is refused: ${why}. IT fixes the file (the keys are listed in docs/configuration.md) or removes it.`,
    );
  };
  if (!isObject(parsed)) return fail("it must hold a JSON object");
  const problem = keysProblem(parsed, defaultConfig() as unknown as Record<string, unknown>, "");
  if (problem) fail(problem);
  return parsed;
}

/** Whether the plain object `o` sets `key` ("directory.source") or something inside it. */
export function setsKey(o: unknown, key: string): boolean {
  let cur: unknown = o;
  for (const part of key.split(".")) {
    if (!isObject(cur) || !Object.hasOwn(cur, part)) return false;
    cur = cur[part];
  }
  return true;
}

export function getKey(o: unknown, key: string): unknown {
  let cur: unknown = o;
  for (const part of key.split(".")) cur = isObject(cur) ? cur[part] : undefined;
  return cur;
}

function setKey(o: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split(".");
  let cur = o;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** The leaves a plain object sets ("directory.source", …), objects of free keys kept whole. */
export function keysSet(o: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) => {
    const key = prefix + k;
    return isObject(v) && !FREE_OBJECTS.has(key) && key !== "directory.ldap" && key !== "psc" && Object.keys(v).length > 0
      ? keysSet(v, `${key}.`)
      : [key];
  });
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
  }
  return a === b;
}

/** The machine layer as loaded: its file, the keys it sets, which of them are locked, and the configuration it makes. */
export interface MachineLayer {
  file: string;
  keys: string[];
  locked: string[];
  /** The defaults with the machine file over them. */
  values: Record<string, unknown>;
}

/**
 * Puts the machine's value back for every locked key `config` changed. Returns the configuration
 * and the keys that were changed (the caller says so, once per key). Pure.
 */
export function enforceLocks<T>(config: T, machine: MachineLayer | null): { config: T; overridden: string[] } {
  if (!machine || machine.locked.length === 0) return { config, overridden: [] };
  const out = structuredClone(config) as Record<string, unknown>;
  const overridden: string[] = [];
  for (const key of machine.locked) {
    const want = getKey(machine.values, key);
    if (sameValue(getKey(out, key), want)) continue;
    overridden.push(key);
    setKey(out, key, structuredClone(want));
  }
  return { config: out as T, overridden };
}

/** The one line logged for a locked key a user tried to change. Names the key, never its values (a proxy URL may hold a password). */
export function lockedKeyNotice(key: string, machineFile: string, where: string): string {
  return `${where} sets ${key}, which IT locked in the machine configuration ${machineFile}: the machine's value is used`;
}
