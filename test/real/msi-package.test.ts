/**
 * The Windows installer, built on Linux with wixl and read back with msiinfo (msitools): what
 * Windows Installer would write (files under Program Files\MSSante\Bridge, the HKLM keys Thunderbird
 * reads, the optional policy only when none exists) and the NOT FOR RELEASE marking of a build
 * without the Windows native modules. Nothing here runs Windows Installer: that is the release
 * workflow's job on a Windows runner (README, "What has run on Windows").
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ADDON_ID } from "../../shared/constants.ts";
import { missingComponents } from "../harness/require-component.ts";
import { REPO_ROOT } from "../harness/bridge-process.ts";

const skip = missingComponents("msi-package", ["wixl", "msiinfo", "msibuild"]);

function table(msi: string, name: string): string[][] {
  // The first three lines are the column names, types and the table's keys.
  return execFileSync("msiinfo", ["export", msi, name], { encoding: "utf8" })
    .split(/\r?\n/)
    .slice(3)
    .filter(Boolean)
    .map((l) => l.split("\t"));
}

function build(payload: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mss-msi-"));
  const pay = path.join(dir, "payload");
  execFileSync("mkdir", ["-p", pay]);
  for (const [f, content] of Object.entries(payload)) writeFileSync(path.join(pay, f), content);
  const xpi = path.join(dir, "ext.xpi");
  writeFileSync(xpi, "PK\u0005\u0006".padEnd(22, "\0"));
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, "scripts/packaging/msi.mjs"), "--payload", pay, "--xpi", xpi, "--out", path.join(dir, "out")],
    {
      stdio: "pipe",
    },
  );
  const msi = readdirSync(path.join(dir, "out")).find((f) => f.endsWith(".msi"));
  return path.join(dir, "out", msi!);
}

describe.skipIf(skip)("the MSI's tables", () => {
  let msi: string;
  beforeAll(() => {
    msi = build({ "mss-bridge.exe": "MZ not a real executable" });
  });

  it("is per-machine, in Program Files\\MSSante\\Bridge, with the executable, the manifests and the .xpi", () => {
    const props = Object.fromEntries(table(msi, "Property").map(([k, v]) => [k, v]));
    expect(props.ALLUSERS).toBe("1");
    const dirs = table(msi, "Directory").map(([id, parent, name]) => ({ id, parent, name }));
    expect(dirs).toEqual(
      expect.arrayContaining([
        { id: "MSSANTE", parent: "ProgramFiles64Folder", name: "MSSante" },
        { id: "INSTALLDIR", parent: "MSSANTE", name: "Bridge" },
      ]),
    );
    expect(
      table(msi, "File")
        .map((r) => r[2])
        .sort(),
    ).toEqual(["mss-bridge.exe", "mssante-thunderbird.xpi", "mssante_bridge.json", "mssante_cps.json"]);
    // The files' own bytes (their sizes), not their paths.
    expect(table(msi, "File").find((r) => r[2] === "mss-bridge.exe")?.[3]).toBe(String("MZ not a real executable".length));
    // 64-bit components (256), so the registry values land in the 64-bit view Thunderbird reads second.
    for (const c of table(msi, "Component")) expect(Number(c[3]) & 256, c[0]).toBe(256);
  });

  it("registers both manifests under HKLM\\SOFTWARE\\Mozilla, each the default value of its key", () => {
    const reg = table(msi, "Registry").map(([, root, key, name, value, component]) => ({ root, key, name, value, component }));
    expect(reg).toEqual(
      expect.arrayContaining([
        {
          root: "2",
          key: "SOFTWARE\\Mozilla\\NativeMessagingHosts\\mssante_bridge",
          name: "",
          value: "[INSTALLDIR]mssante_bridge.json",
          component: "c_registry",
        },
        {
          root: "2",
          key: "SOFTWARE\\Mozilla\\PKCS11Modules\\mssante_cps",
          name: "",
          value: "[INSTALLDIR]mssante_cps.json",
          component: "c_registry",
        },
      ]),
    );
  });

  it("writes the ExtensionSettings policy only when asked and when the machine has none", () => {
    const policy = table(msi, "Registry").find((r) => r[3] === "ExtensionSettings")!;
    expect(policy[2]).toBe("SOFTWARE\\Policies\\Mozilla\\Thunderbird");
    expect(JSON.parse(policy[4]!)).toEqual({
      [ADDON_ID]: {
        installation_mode: "force_installed",
        install_url: "file:///C:/Program%20Files/MSSante/Bridge/mssante-thunderbird.xpi",
      },
    });
    // Its own feature, off (level 0) unless the condition raises it.
    expect(table(msi, "FeatureComponents")).toContainEqual(["ThunderbirdPolicy", "c_policy"]);
    expect(table(msi, "Feature").find((f) => f[0] === "ThunderbirdPolicy")?.[5]).toBe("0");
    expect(table(msi, "Condition")).toEqual([["ThunderbirdPolicy", "1", 'INSTALL_TB_POLICY = "1" AND NOT EXISTING_TB_EXTENSIONSETTINGS']]);
    expect(Object.fromEntries(table(msi, "Property").map(([k, v]) => [k, v])).INSTALL_TB_POLICY).toBe("0");
    // The search that fills EXISTING_TB_EXTENSIONSETTINGS: HKLM (2), raw value, 64-bit view (16 + 2).
    expect(table(msi, "RegLocator")).toEqual([
      ["s_existing_policy", "2", "SOFTWARE\\Policies\\Mozilla\\Thunderbird", "ExtensionSettings", "18"],
    ]);
    expect(table(msi, "AppSearch")).toEqual([["EXISTING_TB_EXTENSIONSETTINGS", "s_existing_policy"]]);
  });

  it("is marked NOT FOR RELEASE without the Windows native modules, and not with them", () => {
    expect(path.basename(msi)).toMatch(/-x64-NOT-FOR-RELEASE\.msi$/);
    expect(execFileSync("msiinfo", ["suminfo", msi], { encoding: "utf8" })).toMatch(/Comments: NOT FOR RELEASE/);
    expect(Object.fromEntries(table(msi, "Property").map(([k, v]) => [k, v])).MSS_NOT_FOR_RELEASE).toBe("1");
    const release = build({ "mss-bridge.exe": "MZ", "pkcs11.node": "MZ", "pcsclite.node": "MZ" });
    expect(path.basename(release)).toMatch(/-x64\.msi$/);
    expect(Object.fromEntries(table(release, "Property").map(([k, v]) => [k, v])).MSS_NOT_FOR_RELEASE).toBe("0");
    expect(table(release, "File").map((r) => r[2])).toEqual(expect.arrayContaining(["pkcs11.node", "pcsclite.node"]));
  });
});
