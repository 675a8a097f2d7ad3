/** The probes against layouts of the test's own (no real Thunderbird, snap or manifest is read) and a fake command runner. */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ADDON_ID } from "../../../shared/constants.ts";
import { type CommandRunner, type DoctorContext, defaultDoctorPaths, probeThunderbird, runDoctor } from "./doctor-probes.ts";

function layout() {
  const root = mkdtempSync(path.join(os.tmpdir(), "doctor-probes-"));
  const home = path.join(root, "home");
  const bin = path.join(root, "bin");
  mkdirSync(home);
  mkdirSync(bin);
  return { root, home, bin };
}

function context(l: ReturnType<typeof layout>, over: Partial<DoctorContext> = {}, run?: CommandRunner): DoctorContext {
  const none = path.join(l.root, "absent");
  return {
    platform: "linux",
    arch: "x64",
    home: l.home,
    env: { PATH: l.bin },
    dataDir: path.join(l.home, "data"),
    machineConfigFile: path.join(l.root, "etc", "config.json"),
    now: () => Date.parse("2026-03-10T00:00:00Z"),
    run: run ?? (() => null),
    paths: {
      thunderbirdCommand: "thunderbird",
      thunderbirdDirs: [path.join(l.root, "tb")],
      snapPaths: [path.join(l.root, "snap", "thunderbird")],
      flatpakPaths: [none],
      systemNativeHostDirs: [path.join(l.root, "sys-nm")],
      systemPkcs11Dirs: [path.join(l.root, "sys-pk")],
    },
    supported: { min: 153, max: 158 },
    ...over,
  };
}

function fakeThunderbird(bin: string, body = "#!/bin/sh\necho 'Mozilla Thunderbird 153.8.0esr'\n"): string {
  const f = path.join(bin, "thunderbird");
  writeFileSync(f, body);
  chmodSync(f, 0o755);
  return f;
}

describe("Thunderbird probes", () => {
  it("the command on PATH, run with --version through the injected runner", () => {
    const l = layout();
    const cmd = fakeThunderbird(l.bin);
    const calls: string[][] = [];
    const f = probeThunderbird(
      context(l, {}, (file, args) => {
        calls.push([file, ...args]);
        return { status: 0, stdout: "Mozilla Thunderbird 153.8.0esr\n" };
      }),
    );
    expect(calls).toEqual([[cmd, "--version"]]);
    expect(f.found).toEqual({ version: "153.8.0esr", major: 153, esr: true, where: cmd });
    expect(f.sandboxed).toEqual([]);
  });

  it("no command: the install directory's application.ini", () => {
    const l = layout();
    mkdirSync(path.join(l.root, "tb"));
    writeFileSync(path.join(l.root, "tb", "application.ini"), "[App]\nName=Thunderbird\nVersion=153.2.0\nSourceRepository=x/comm-esr153\n");
    expect(probeThunderbird(context(l)).found).toMatchObject({ version: "153.2.0", esr: true, where: path.join(l.root, "tb") });
  });

  it("a snap's directory, and Ubuntu's wrapper script that runs the snap, are sandboxed, never run", () => {
    const l = layout();
    mkdirSync(path.join(l.root, "snap", "thunderbird"), { recursive: true });
    fakeThunderbird(l.bin, '#!/bin/sh\nexec /snap/bin/thunderbird "$@"\n');
    const f = probeThunderbird(
      context(l, {}, () => {
        throw new Error("a sandboxed Thunderbird must not be run");
      }),
    );
    expect(f.found).toBeNull();
    expect(f.sandboxed).toEqual([{ kind: "snap", where: path.join(l.root, "snap", "thunderbird") }]);
  });
});

describe("runDoctor over a private layout", () => {
  it("a user manifest shadowing a system one, a broken system one alone, and the verdict order", () => {
    const l = layout();
    fakeThunderbird(l.bin);
    const launcher = path.join(l.root, "launcher.sh");
    writeFileSync(launcher, "#!/bin/sh\n");
    const manifest = JSON.stringify({ name: "mssante_bridge", type: "stdio", path: launcher, allowed_extensions: [ADDON_ID] });
    mkdirSync(path.join(l.home, ".mozilla", "native-messaging-hosts"), { recursive: true });
    writeFileSync(path.join(l.home, ".mozilla", "native-messaging-hosts", "mssante_bridge.json"), manifest);
    mkdirSync(path.join(l.root, "sys-nm"));
    writeFileSync(path.join(l.root, "sys-nm", "mssante_bridge.json"), manifest);
    mkdirSync(path.join(l.root, "sys-pk"));
    writeFileSync(
      path.join(l.root, "sys-pk", "mssante_cps.json"),
      JSON.stringify({ name: "mssante_cps", type: "pkcs11", path: "/gone.so", allowed_extensions: [ADDON_ID] }),
    );
    const checks = runDoctor(context(l, {}, () => ({ status: 0, stdout: "Mozilla Thunderbird 153.8.0esr" })));
    expect(checks.map((c) => c.id)).toEqual([
      "thunderbird",
      "thunderbird-sandbox",
      "card-module",
      "native-messaging-manifest",
      "pkcs11-manifest",
      "data-dir",
      "directory",
      "machine-config",
    ]);
    const by = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(by.thunderbird!.verdict).toBe("ok");
    expect(by["native-messaging-manifest"]).toMatchObject({ verdict: "warn" });
    expect(by["native-messaging-manifest"]!.en).toContain("shadows the system's");
    expect(by["pkcs11-manifest"]).toMatchObject({ verdict: "fail" });
    expect(by["pkcs11-manifest"]!.en).toContain("/gone.so does not exist");
    expect(by["data-dir"]!.verdict).toBe("warn"); // not created
    expect(by["machine-config"]!.verdict).toBe("ok"); // none
  });

  it("a machine configuration that is refused is an ÉCHEC, the rest still checked", () => {
    const l = layout();
    mkdirSync(path.join(l.root, "etc"), { mode: 0o755 });
    chmodSync(path.join(l.root, "etc"), 0o755);
    writeFileSync(path.join(l.root, "etc", "config.json"), '{"modulepath": "/x.so"}', { mode: 0o644 });
    const checks = runDoctor(context(l));
    const cfg = checks.find((c) => c.id === "machine-config")!;
    expect(cfg.verdict).toBe("fail");
    expect(cfg.fixEn).toContain('"modulepath" is not a configuration key');
    expect(checks.find((c) => c.id === "thunderbird")!.verdict).toBe("fail"); // none in this layout
  });
});

describe("Windows: the manifests the registry names", () => {
  it("HKCU's shadows HKLM's; a key naming a missing file is broken; the translated (Default) label is no matter", () => {
    const l = layout();
    const launcher = path.join(l.root, "native-host.bat");
    writeFileSync(launcher, "@echo off\r\n");
    const manifest = path.join(l.root, "mssante_bridge.json");
    writeFileSync(manifest, JSON.stringify({ name: "mssante_bridge", type: "stdio", path: launcher, allowed_extensions: [ADDON_ID] }));
    const keys: Record<string, string> = {
      "HKCU\\Software\\Mozilla\\NativeMessagingHosts\\mssante_bridge": manifest,
      "HKLM\\Software\\Mozilla\\NativeMessagingHosts\\mssante_bridge /reg:64": manifest,
      "HKCU\\Software\\Mozilla\\PKCS11Modules\\mssante_cps": path.join(l.root, "gone.json"),
    };
    const queried: string[] = [];
    const run: CommandRunner = (file, args) => {
      expect(file).toBe("reg");
      const key = [args[1], ...args.slice(3)].join(" ");
      queried.push(key);
      const value = keys[key];
      return value
        ? { status: 0, stdout: `\r\nHKEY_CURRENT_USER\\...\r\n    (par défaut)    REG_SZ    ${value}\r\n\r\n` }
        : { status: 1, stdout: "" };
    };
    const checks = runDoctor(context(l, { platform: "win32" }, run));
    const by = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(by["native-messaging-manifest"]).toMatchObject({ verdict: "warn" });
    expect(by["native-messaging-manifest"]!.en).toBe(
      `Native-messaging host mssante_bridge: the user's (${manifest}) shadows the system's (${manifest}).`,
    );
    expect(by["pkcs11-manifest"]).toMatchObject({ verdict: "fail" });
    expect(by["pkcs11-manifest"]!.en).toContain("the file does not exist");
    expect(queried).toContain("HKLM\\Software\\Mozilla\\PKCS11Modules\\mssante_cps /reg:32");
    expect(checks.map((c) => c.id)).not.toContain("thunderbird-sandbox"); // Linux only
  });
});

describe("default paths", () => {
  it("Linux looks for snap, Flatpak (system and user) and /usr/lib{,64}/mozilla manifests", () => {
    const p = defaultDoctorPaths("linux", "/home/u", {});
    expect(p.snapPaths).toContain("/snap/thunderbird");
    expect(p.flatpakPaths).toContain("/home/u/.local/share/flatpak/app/org.mozilla.Thunderbird");
    expect(p.systemNativeHostDirs).toEqual(["/usr/lib/mozilla/native-messaging-hosts", "/usr/lib64/mozilla/native-messaging-hosts"]);
    expect(defaultDoctorPaths("darwin", "/Users/u", {}).systemPkcs11Dirs).toEqual(["/Library/Application Support/Mozilla/PKCS11Modules"]);
    expect(defaultDoctorPaths("win32", "C:\\Users\\u", {}).thunderbirdDirs[0]).toBe("C:\\Program Files\\Mozilla Thunderbird");
  });
});
