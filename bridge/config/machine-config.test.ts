import { chmodSync, chownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "./config.ts";
import { loadConfigLayers } from "./load-config.ts";
import {
  assertSafeMachineConfig,
  enforceLocks,
  LOCKED_KEYS,
  lockedKeyNotice,
  MACHINE_CONFIG_ENV,
  machineConfigPath,
  validateMachineConfig,
} from "./machine-config.ts";

/** A private directory holding a machine file (0755 directory, 0644 file, as IT would write them) and a user data directory. */
function setup(machine: unknown, user?: unknown): { machineFile: string; userFile: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), "machine-config-"));
  const etc = path.join(root, "etc");
  mkdirSync(etc, { mode: 0o755 });
  chmodSync(etc, 0o755);
  const machineFile = path.join(etc, "config.json");
  writeFileSync(machineFile, typeof machine === "string" ? machine : JSON.stringify(machine), { mode: 0o644 });
  chmodSync(machineFile, 0o644);
  const userFile = path.join(root, "config.json");
  if (user !== undefined) writeFileSync(userFile, JSON.stringify(user), { mode: 0o600 });
  return { machineFile, userFile };
}

const LDAP = { url: "ldaps://annuaire.hopital.example", baseDn: "o=hopital,c=fr", bind: { kind: "anonymous" } };

describe("where the machine configuration is", () => {
  it("per OS, and $MSS_BRIDGE_MACHINE_CONFIG only when set", () => {
    expect(machineConfigPath("linux", {})).toBe("/etc/mss-bridge/config.json");
    expect(machineConfigPath("darwin", {})).toBe("/Library/Application Support/MSSante/Bridge/config.json");
    expect(machineConfigPath("win32", { ProgramData: "D:\\ProgramData" })).toBe("D:\\ProgramData\\MSSante\\Bridge\\config.json");
    expect(machineConfigPath("win32", {})).toBe("C:\\ProgramData\\MSSante\\Bridge\\config.json");
    expect(machineConfigPath("linux", { [MACHINE_CONFIG_ENV]: "" })).toBe("/etc/mss-bridge/config.json");
    expect(machineConfigPath("linux", { [MACHINE_CONFIG_ENV]: "/srv/it/bridge.json" }, () => false)).toBe("/srv/it/bridge.json");
    // Once IT wrote the OS's file, a user's environment cannot swap it for another.
    expect(machineConfigPath("linux", { [MACHINE_CONFIG_ENV]: "/home/u/mine.json" }, (f) => f === "/etc/mss-bridge/config.json")).toBe(
      "/etc/mss-bridge/config.json",
    );
  });
});

describe("layers: defaults < machine file < config.json, locked keys kept", () => {
  it("without a machine file the user's config.json is all there is", () => {
    const { userFile } = setup({}, { modulePath: "/opt/own.so" });
    const l = loadConfigLayers(userFile, { machineFile: path.join(path.dirname(userFile), "absent.json") });
    expect(l.machine).toBeNull();
    expect(l.config.modulePath).toBe("/opt/own.so");
  });

  it("a locked key keeps the machine's value and is reported; unlocked keys the user may change", () => {
    const { machineFile, userFile } = setup(
      {
        modulePath: "/opt/it/libcps.so",
        port: 7500,
        directory: { source: "ldap", ldap: LDAP },
        network: { proxy: "http://u:p@proxy:3128" },
      },
      {
        modulePath: "/tmp/evil.so",
        port: 9000,
        directory: { ldap: { ...LDAP, sizeLimit: 5 } },
        network: { proxy: "http://u:p@proxy:3128" },
      },
    );
    const l = loadConfigLayers(userFile, { machineFile });
    expect(l.config.modulePath).toBe("/opt/it/libcps.so");
    expect(l.config.directory.source).toBe("ldap");
    expect(l.config.directory.ldap).toEqual(LDAP); // sizeLimit from the user's file dropped with the rest
    expect(l.config.port).toBe(9000); // a default IT set, not locked
    expect(l.overridden).toEqual(["modulePath", "directory.ldap"]); // the same proxy is no change
    expect(l.machine?.locked).toEqual(["modulePath", "directory.source", "directory.ldap", "network.proxy"]);
    expect(l.machine?.keys).toEqual(["modulePath", "port", "directory.source", "directory.ldap", "network.proxy"]);
    expect(l.config.trust.whitelistSource).toBe(defaultConfig().trust.whitelistSource);
  });

  it("a lockable key the machine file does not set stays the user's", () => {
    const { machineFile, userFile } = setup({ network: { proxy: "http://proxy:3128" } }, { modulePath: "/opt/own.so" });
    const l = loadConfigLayers(userFile, { machineFile });
    expect(l.config.modulePath).toBe("/opt/own.so");
    expect(l.overridden).toEqual([]);
  });

  it("the command line is held to the locks too (start's --module, --db)", () => {
    const { machineFile, userFile } = setup({ modulePath: "/opt/it/libcps.so", directory: { dbPath: "/var/lib/mss-bridge/directory" } });
    const l = loadConfigLayers(userFile, { machineFile });
    const flagged = { ...l.config, modulePath: "/tmp/other.so", directory: { ...l.config.directory, dbPath: "/tmp/db" }, reader: "R" };
    const { config, overridden } = enforceLocks(flagged, l.machine);
    expect(config).toMatchObject({ modulePath: "/opt/it/libcps.so", reader: "R", directory: { dbPath: "/var/lib/mss-bridge/directory" } });
    expect(overridden).toEqual(["modulePath", "directory.dbPath"]);
  });

  it("the notice names the key and IT's file, never the value", () => {
    const line = lockedKeyNotice("network.proxy", "/etc/mss-bridge/config.json", "config.json");
    expect(line).toBe(
      "config.json sets network.proxy, which IT locked in the machine configuration /etc/mss-bridge/config.json: the machine's value is used",
    );
  });

  it("locks what the brief of IT needs: the module, the trust list, the directory's source, the proxy", () => {
    expect(LOCKED_KEYS).toEqual(
      expect.arrayContaining(["modulePath", "trust.whitelistSource", "directory.source", "directory.ldap", "network.proxy"]),
    );
  });
});

describe("the machine file is hostile input", () => {
  it.each([
    ["[]", "it must hold a JSON object"],
    [{ modulepath: "/opt/x.so" }, '"modulepath" is not a configuration key'],
    [{ directory: { sorce: "ldap" } }, '"directory.sorce" is not a configuration key'],
    [{ port: "7431" }, '"port" must be a number, not string'],
    [{ modulePath: 3 }, '"modulePath" must be a string or null'],
    [{ discovery: { policies: {} } }, '"discovery.policies" must be an array, not object'],
    [{ directory: { ldap: { ...LDAP, passwd: "x" } } }, '"directory.ldap.passwd" is not a configuration key'],
    [{ directory: { ldap: "ldap://x" } }, '"directory.ldap" must be an object or null'],
  ])("%j is refused: %s", (machine, why) => {
    const parsed = typeof machine === "string" ? JSON.parse(machine) : machine;
    expect(() => validateMachineConfig(parsed, "/etc/mss-bridge/config.json")).toThrow(
      `The machine configuration /etc/mss-bridge/config.json is refused: ${why}. IT fixes the file`,
    );
  });

  it("accepts the documented shapes: LDAP, overrides, policies", () => {
    const ok = {
      directory: { source: "ldap", ldap: LDAP },
      discovery: {
        overrides: { "x.fr": { imap: { host: "h", port: 143 } } },
        policies: [{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7 }],
      },
      network: { proxy: null },
    };
    expect(validateMachineConfig(ok, "f")).toBe(ok);
  });

  it("invalid JSON, or a file over 1 MiB, stops with the file's name", () => {
    const bad = setup("{ port: 1 }");
    expect(() => loadConfigLayers(bad.userFile, { machineFile: bad.machineFile })).toThrow(
      new RegExp(`machine configuration ${bad.machineFile} is not valid JSON.*IT fixes the file`),
    );
    const big = setup(`{"port": 7431${" ".repeat(1024 * 1024)}}`);
    expect(() => loadConfigLayers(big.userFile, { machineFile: big.machineFile })).toThrow(/more than the 1048576/);
  });
});

describe.skipIf(process.platform === "win32")("the machine file must not be writable by other users", () => {
  it("accepts a 0644 file in a 0755 directory owned by root or by this user; no file at all is no machine layer", () => {
    const { machineFile } = setup({});
    expect(assertSafeMachineConfig(machineFile)).toBe(true);
    expect(assertSafeMachineConfig(`${machineFile}.absent`)).toBe(false);
  });

  it("refuses a file or directory others can write, saying the chmod", () => {
    const f = setup({}).machineFile;
    chmodSync(f, 0o664);
    expect(() => assertSafeMachineConfig(f)).toThrow(`writable by other users (mode 664)`);
    expect(() => assertSafeMachineConfig(f)).toThrow(`sudo chmod 644 '${f}'`);
    const g = setup({}).machineFile;
    chmodSync(path.dirname(g), 0o777);
    expect(() => assertSafeMachineConfig(g)).toThrow(`sudo chmod 755 '${path.dirname(g)}'`);
    expect(() => loadConfigLayers(path.join(path.dirname(g), "user.json"), { machineFile: g })).toThrow(/writable by other users/);
  });

  it("refuses a directory above that others can write, unless it is sticky (/tmp)", () => {
    const f = setup({}).machineFile;
    const above = path.dirname(path.dirname(f));
    chmodSync(above, 0o777);
    expect(() => assertSafeMachineConfig(f)).toThrow(`directory above it ${above} is writable by other users (mode 777)`);
    expect(() => assertSafeMachineConfig(f)).toThrow(`sudo chmod go-w '${above}'`);
    chmodSync(above, 0o1777);
    expect(assertSafeMachineConfig(f)).toBe(true);
  });

  it("follows a link to the file: the directory holding the file itself is checked", () => {
    const target = setup({}).machineFile;
    chmodSync(path.dirname(target), 0o777);
    const link = path.join(path.dirname(setup({}).machineFile), "linked.json");
    symlinkSync(target, link);
    expect(() => assertSafeMachineConfig(link)).toThrow(`directory ${path.dirname(target)} is writable by other users`);
  });

  it("refuses a file owned by another user who is not root, saying the chown", () => {
    const f = setup({}).machineFile;
    const me = process.getuid?.() ?? 0;
    if (me === 0) {
      chownSync(f, 4242, 4242); // root can give it away: owned by a user who is neither root nor this one
      expect(() => assertSafeMachineConfig(f)).toThrow(/belongs to another user \(uid 4242\).*sudo chown root:/s);
    } else {
      // This user owns it; seen from another uid it belongs to someone who is neither root nor them.
      expect(() => assertSafeMachineConfig(f, { uid: me + 1 })).toThrow(new RegExp(`belongs to another user \\(uid ${me}\\)`));
    }
  });

  it("a file root owns is accepted whoever runs the bridge", () => {
    const f = setup({}).machineFile;
    if ((process.getuid?.() ?? 1) !== 0) return; // only root can make a root-owned file here
    expect(assertSafeMachineConfig(f, { uid: 1000 })).toBe(true);
  });
});
