/**
 * `mss-bridge doctor` as shipped (bin/mss-bridge.mjs), on this machine's real Thunderbird, with a
 * private HOME and data directory; a snap Thunderbird, a package's system manifest and IT's
 * machine configuration are layouts of the test's own, passed through `--probe-paths` and
 * $MSS_BRIDGE_MACHINE_CONFIG. Also the machine configuration's locks in the real `start`.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ADDON_ID } from "../../shared/constants.ts";
import { missingComponents } from "../harness/require-component.ts";
import { runBridgeCli, startBridgeProcess } from "../harness/bridge-process.ts";

const skip = missingComponents("cli-doctor", ["thunderbird", "softhsm2-util"]);
const MODULE = "/usr/lib/softhsm/libsofthsm2.so"; // stands for Cryptolib CPS: a PKCS#11 library that exists

interface Check {
  id: string;
  verdict: "ok" | "warn" | "fail";
  fr: string;
  en: string;
  fixEn?: string;
}

/** A private HOME, data directory, machine configuration (0755 directory, 0644 file) and probe paths. */
function machine(machineConfig: object | null) {
  const root = mkdtempSync(path.join(os.tmpdir(), "doctor-real-"));
  const home = path.join(root, "home");
  mkdirSync(home);
  const dataDir = path.join(home, "data");
  const etc = path.join(root, "etc");
  mkdirSync(etc);
  chmodSync(etc, 0o755);
  const machineFile = path.join(etc, "config.json");
  if (machineConfig) writeFileSync(machineFile, JSON.stringify(machineConfig), { mode: 0o644 });
  const probeFile = path.join(root, "probe-paths.json");
  // No snap, Flatpak or system manifest unless the test makes one: this machine's own are not part of the test.
  const baseProbe = {
    snapPaths: [path.join(root, "snap", "thunderbird")],
    flatpakPaths: [path.join(root, "flatpak", "app", "org.mozilla.Thunderbird")],
    systemNativeHostDirs: [path.join(root, "usr-lib-mozilla", "native-messaging-hosts")],
    systemPkcs11Dirs: [path.join(root, "usr-lib-mozilla", "pkcs11-modules")],
  };
  const env = { HOME: home, MSS_BRIDGE_MACHINE_CONFIG: machineFile };
  const doctor = async (probe: Record<string, unknown> = {}) => {
    writeFileSync(probeFile, JSON.stringify({ ...baseProbe, ...probe }));
    const json = await runBridgeCli(["doctor", "--json", "--probe-paths", probeFile], { dataDir, env });
    const text = await runBridgeCli(["doctor", "--probe-paths", probeFile], { dataDir, env });
    expect(text.code, text.stderr).toBe(json.code);
    const checks = (JSON.parse(json.stdout) as { checks: Check[] }).checks;
    return { code: json.code, text: text.stdout, by: Object.fromEntries(checks.map((c) => [c.id, c])) as Record<string, Check> };
  };
  return { root, home, dataDir, machineFile, env, doctor };
}

/**
 * Under libfaketime (the clock-ahead stage) `thunderbird --version` never returns (seen: 11 min).
 * Nothing here reads the date, so the suite runs in the normal stages only.
 */
const underFaketime = process.env.FAKETIME !== undefined;

describe.skipIf(skip || underFaketime)("mss-bridge doctor on this machine", () => {
  let version: string;
  beforeAll(() => {
    version = /Thunderbird\s+(\S+)/.exec(execFileSync("thunderbird", ["--version"], { encoding: "utf8" }))![1]!;
  });

  it("a PC set up as IT does: every check OK but the directory not yet imported; exit 0", async () => {
    const m = machine({ modulePath: MODULE, network: { proxy: "http://proxy.example:3128" } });
    const install = await runBridgeCli(["install"], { dataDir: m.dataDir, env: m.env });
    expect(install.code, install.stderr).toBe(0);
    const { code, text, by } = await m.doctor();
    expect(code).toBe(0);
    expect(by.thunderbird).toMatchObject({ verdict: "ok" });
    expect(by.thunderbird!.en).toContain(`Thunderbird ${version} (ESR, `);
    expect(by["thunderbird-sandbox"]).toMatchObject({ verdict: "ok", en: "Snap or Flatpak Thunderbird: none." });
    expect(by["card-module"]).toMatchObject({ verdict: "ok", en: `Card module: ${MODULE} (set by the machine configuration (IT)).` });
    expect(by["native-messaging-manifest"]).toMatchObject({ verdict: "ok" });
    expect(by["native-messaging-manifest"]!.en).toContain(path.join(m.home, ".mozilla", "native-messaging-hosts", "mssante_bridge.json"));
    expect(by["pkcs11-manifest"]).toMatchObject({ verdict: "ok" });
    expect(by["data-dir"]).toMatchObject({ verdict: "ok" });
    expect(by.directory).toMatchObject({ verdict: "warn" });
    expect(by.directory!.en).toContain("missing");
    expect(by["machine-config"]).toMatchObject({
      verdict: "ok",
      en: `Machine configuration (IT) ${m.machineFile}: 2 key(s), locked: modulePath, network.proxy.`,
    });
    // French first, then English, then the summary in both.
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^OK {9}Thunderbird .* : pris en charge/);
    expect(lines[1]).toMatch(/^ {11}Thunderbird .*: supported/);
    expect(text).toContain("Bilan : 7 OK, 1 ATTENTION, 0 ÉCHEC — ce PC peut fonctionner.");
    expect(text).toContain("Summary: 7 OK, 1 ATTENTION, 0 ÉCHEC — this PC can work.");
    expect(text).not.toContain("proxy.example"); // values of IT's file are not printed
  });

  it("only a snap Thunderbird, and a user manifest shadowing the package's: ÉCHEC said plainly, exit 4", async () => {
    const m = machine(null);
    // The snap as Ubuntu lays it out: /snap/thunderbird, and a `thunderbird` command that runs the snap.
    mkdirSync(path.join(m.root, "snap", "thunderbird", "current", "meta"), { recursive: true });
    const bin = path.join(m.root, "bin");
    mkdirSync(bin);
    writeFileSync(path.join(bin, "thunderbird"), '#!/bin/sh\nexec /snap/bin/thunderbird "$@"\n', { mode: 0o755 });
    const sys = path.join(m.root, "usr-lib-mozilla", "native-messaging-hosts");
    mkdirSync(sys, { recursive: true });
    const install = await runBridgeCli(["install", "--module", MODULE], { dataDir: m.dataDir, env: m.env });
    expect(install.code, install.stderr).toBe(0);
    const launcher = path.join(m.dataDir, "native-host.sh");
    writeFileSync(
      path.join(sys, "mssante_bridge.json"),
      JSON.stringify({ name: "mssante_bridge", type: "stdio", path: launcher, allowed_extensions: [ADDON_ID] }),
    );
    const { code, text, by } = await m.doctor({
      thunderbirdCommand: path.join(bin, "thunderbird"),
      thunderbirdDirs: [path.join(m.root, "no-thunderbird-here")],
    });
    expect(code).toBe(4);
    expect(by.thunderbird).toMatchObject({ verdict: "fail" });
    expect(by["thunderbird-sandbox"]).toMatchObject({ verdict: "fail" });
    expect(by["thunderbird-sandbox"]!.en).toBe(
      `Thunderbird snap (${path.join(m.root, "snap", "thunderbird")}): NOT SUPPORTED. A snap or Flatpak Thunderbird cannot load Cryptolib CPS: no login with the card.`,
    );
    expect(by["native-messaging-manifest"]).toMatchObject({ verdict: "warn" });
    expect(by["native-messaging-manifest"]!.en).toContain(`shadows the system's (${path.join(sys, "mssante_bridge.json")})`);
    expect(text).toContain("ÉCHEC      Thunderbird snap");
    expect(text).toContain("this PC cannot work as it is.");
  });

  it("IT's file writable by others: ÉCHEC, exit 4, and the bridge refuses to start with the fix", async () => {
    const m = machine({ modulePath: MODULE });
    chmodSync(m.machineFile, 0o666);
    const { code, by } = await m.doctor();
    expect(code).toBe(4);
    expect(by["machine-config"]).toMatchObject({ verdict: "fail" });
    expect(by["machine-config"]!.fixEn).toContain(`sudo chmod 644 '${m.machineFile}'`);
    const start = await runBridgeCli(["start", "--port", "0"], { dataDir: m.dataDir, env: m.env });
    expect(start.code).toBe(4);
    expect(start.stderr).toContain(`The machine configuration's file ${m.machineFile} is writable by other users (mode 666)`);
  });

  it("a user's config.json changing a locked key: the machine's value is used, one line logged, doctor says ATTENTION", async () => {
    const m = machine({ modulePath: MODULE, directory: { refreshHours: 0 } });
    mkdirSync(m.dataDir, { mode: 0o700 });
    writeFileSync(
      path.join(m.dataDir, "config.json"),
      JSON.stringify({ modulePath: "/tmp/elsewhere.so", directory: { refreshHours: 12 } }),
      {
        mode: 0o600,
      },
    );
    const { by } = await m.doctor();
    expect(by["machine-config"]).toMatchObject({ verdict: "warn", fixEn: "Remove modulePath from config.json." });
    expect(by["card-module"]!.en).toContain(MODULE);
    const status = JSON.parse((await runBridgeCli(["status", "--json"], { dataDir: m.dataDir, env: m.env })).stdout);
    expect(status.machineConfig).toEqual({
      file: m.machineFile,
      present: true,
      keys: ["modulePath", "directory.refreshHours"],
      locked: ["modulePath"],
      overridden: ["modulePath"],
    });
    const bridge = await startBridgeProcess({ dataDir: m.dataDir, env: m.env, args: ["--module", "/tmp/other.so"] });
    try {
      const notices = bridge
        .stderr()
        .split("\n")
        .filter((l) => l.includes("which IT locked"));
      expect(notices.map((l) => JSON.parse(l).msg)).toEqual([
        `config.json sets modulePath, which IT locked in the machine configuration ${m.machineFile}: the machine's value is used`,
        `the command line sets modulePath, which IT locked in the machine configuration ${m.machineFile}: the machine's value is used`,
      ]);
    } finally {
      expect(await bridge.stop()).toBe(0);
    }
  });
});
