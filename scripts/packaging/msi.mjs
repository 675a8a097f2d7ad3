#!/usr/bin/env node
// Builds dist/packages/mss-bridge-<version>-x64.msi with wixl (msitools, WiX v3 syntax), on Linux.
// Per-machine, in Program Files\MSSante\Bridge: the Windows single executable, its native modules
// when given, the native-messaging and PKCS#11 manifests registered under HKLM\SOFTWARE\Mozilla,
// and the .xpi. INSTALL_TB_POLICY=1 also writes Thunderbird's ExtensionSettings policy (force-install
// the .xpi) — only when the machine has none, so IT's own policy is never overwritten.
//
//   node scripts/packaging/msi.mjs [--payload dist/sea-win] [--xpi dist/mssante-thunderbird.xpi] [--out dist/packages]
//
// Windows native modules (pkcs11js, pcsclite) cannot be compiled here: without them the MSI is
// built, named and marked NOT FOR RELEASE (Summary, ProductName, property MSS_NOT_FOR_RELEASE) and
// only its tables are checked (msiinfo). The release workflow builds both on a Windows runner.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ADDON_ID, NATIVE_HOST_NAME, PKCS11_MANIFEST_NAME, cryptolibPath, pkg, root } from "./package-inputs.mjs";
import { parseArgs } from "node:util";

const { values: opt } = parseArgs({
  options: {
    payload: { type: "string", default: path.join(root, "dist", "sea-win") },
    xpi: { type: "string", default: path.join(root, "dist", "mssante-thunderbird.xpi") },
    out: { type: "string", default: path.join(root, "dist", "packages") },
  },
});
const fail = (msg) => {
  console.error(`package-msi: ${msg}`);
  process.exit(1);
};

const cryptolib = cryptolibPath("win32-x64");
// NSS takes the manifest's path as is: %WINDIR% is written out (Windows' own default location).
const cryptolibWindowsPath = cryptolib.replace("%WINDIR%", "C:\\Windows");

const exe = path.join(opt.payload, "mss-bridge.exe");
if (!existsSync(exe)) fail(`no Windows executable at ${exe}: run \`npm run package\` first`);
if (!existsSync(opt.xpi)) fail(`no extension at ${opt.xpi}: run \`npm run build\` first`);
const modules = existsSync(opt.payload) ? readdirSync(opt.payload).filter((f) => f.endsWith(".node")) : [];
const forRelease = modules.includes("pkcs11.node") && modules.includes("pcsclite.node");

// MSI versions are three numbers below 256.255.65536.
const version = pkg.version.replace(/[-+].*$/, "");
const work = path.join(opt.out, "msi-stage");
const stage = path.join(work, "files");
rmSync(work, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
/** Writes text into the stage (or `dir`). */
const put = (name, text, dir = stage) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};
/** Copies a file into the stage. */
const copy = (name, from) => copyFileSync(from, path.join(stage, name));
copy("mss-bridge.exe", exe);
for (const m of modules) copy(m, path.join(opt.payload, m));
copy("mssante-thunderbird.xpi", opt.xpi);
put(
  `${NATIVE_HOST_NAME}.json`,
  `${JSON.stringify({ name: NATIVE_HOST_NAME, description: "Pont MSSanté / MSSanté bridge", path: "mss-bridge.exe", type: "stdio", allowed_extensions: [ADDON_ID] }, null, 2)}\n`,
);
put(
  `${PKCS11_MANIFEST_NAME}.json`,
  `${JSON.stringify({ name: PKCS11_MANIFEST_NAME, description: "MSSanté: carte CPS / CPS card (Cryptolib CPS)", type: "pkcs11", path: cryptolibWindowsPath, allowed_extensions: [ADDON_ID] }, null, 2)}\n`,
);

/** Stable GUIDs from names: the same component keeps its GUID from one build to the next. */
const guid = (name) => {
  const h = createHash("sha256").update(`mss-bridge msi ${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
};
const xml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const fileComponent = (name) => {
  const id = name.replace(/[^A-Za-z0-9_]/g, "_");
  return `        <Component Id="c_${id}" Guid="${guid(name)}" Win64="yes">
          <File Id="f_${id}" Name="${xml(name)}" Source="files/${xml(name)}" KeyPath="yes"/>
        </Component>`;
};
const files = readdirSync(stage).sort();
// A URL, so the default install directory is written out (wixl has no SetProperty to build it from
// INSTALLDIR): IT installing elsewhere writes its own policy (README, hospital IT).
const policy = JSON.stringify({
  [ADDON_ID]: { installation_mode: "force_installed", install_url: "file:///C:/Program%20Files/MSSante/Bridge/mssante-thunderbird.xpi" },
});
/** The policy is written only when asked and when the machine has no ExtensionSettings policy yet. */
const POLICY_CONDITION = 'INSTALL_TB_POLICY = "1" AND NOT EXISTING_TB_EXTENSIONSETTINGS';
const productName = forRelease ? "MSSanté Bridge" : "MSSanté Bridge (NOT FOR RELEASE: no Windows native modules)";
const wxs = `<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="${xml(productName)}" Language="1036" Codepage="1252" Version="${version}"
           Manufacturer="MSSante for Thunderbird" UpgradeCode="${guid("upgrade")}">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine"
             Description="${xml(productName)}" Comments="${forRelease ? "Release build" : "NOT FOR RELEASE: built on Linux without the Windows native modules"}"/>
    <Media Id="1" Cabinet="bridge.cab" EmbedCab="yes"/>
    <MajorUpgrade DowngradeErrorMessage="Une version plus récente du pont MSSanté est déjà installée. / A newer MSSanté bridge is already installed."/>
    <Property Id="MSS_NOT_FOR_RELEASE" Value="${forRelease ? "0" : "1"}"/>
    <Property Id="INSTALL_TB_POLICY" Value="0"/>
    <Property Id="EXISTING_TB_EXTENSIONSETTINGS">
      <RegistrySearch Id="s_existing_policy" Root="HKLM" Key="SOFTWARE\\Policies\\Mozilla\\Thunderbird" Name="ExtensionSettings" Type="raw" Win64="yes"/>
    </Property>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="MSSANTE" Name="MSSante">
          <Directory Id="INSTALLDIR" Name="Bridge">
${files.map(fileComponent).join("\n")}
            <Component Id="c_registry" Guid="${guid("registry")}" Win64="yes">
              <RegistryValue Root="HKLM" Key="SOFTWARE\\Mozilla\\NativeMessagingHosts\\${NATIVE_HOST_NAME}" Type="string" Value="[INSTALLDIR]${NATIVE_HOST_NAME}.json" KeyPath="yes"/>
              <RegistryValue Root="HKLM" Key="SOFTWARE\\Mozilla\\PKCS11Modules\\${PKCS11_MANIFEST_NAME}" Type="string" Value="[INSTALLDIR]${PKCS11_MANIFEST_NAME}.json"/>
            </Component>
            <Component Id="c_policy" Guid="${guid("policy")}" Win64="yes">
              <RegistryValue Root="HKLM" Key="SOFTWARE\\Policies\\Mozilla\\Thunderbird" Name="ExtensionSettings" Type="string" Value="${xml(policy)}" KeyPath="yes"/>
            </Component>
          </Directory>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Bridge" Title="MSSanté Bridge" Level="1">
${files.map((f) => `      <ComponentRef Id="c_${f.replace(/[^A-Za-z0-9_]/g, "_")}"/>`).join("\n")}
      <ComponentRef Id="c_registry"/>
    </Feature>
    <Feature Id="ThunderbirdPolicy" Title="Thunderbird policy: force-install the extension" Level="0">
      <ComponentRef Id="c_policy"/>
    </Feature>
  </Product>
</Wix>
`;
put("mss-bridge.wxs", wxs, work);
const msi = path.join(opt.out, `mss-bridge-${pkg.version}-x64${forRelease ? "" : "-NOT-FOR-RELEASE"}.msi`);
execFileSync("wixl", ["-a", "x64", "-o", msi, "mss-bridge.wxs"], { cwd: work, stdio: ["ignore", "inherit", "inherit"] });
// wixl has no feature conditions: the Condition table row is added with msibuild (msitools).
const conditionIdt = put(
  "Condition.idt",
  ["Feature_\tLevel\tCondition", "s38\ti2\tS255", "Condition\tFeature_\tLevel", `ThunderbirdPolicy\t1\t${POLICY_CONDITION}`, ""].join(
    "\r\n",
  ),
  work,
);
execFileSync("msibuild", [msi, "-i", conditionIdt], { stdio: ["ignore", "inherit", "inherit"] });
console.log(
  `built ${path.relative(process.cwd(), msi)} (${(statSync(msi).size / 1e6).toFixed(1)} MB${forRelease ? "" : "; NOT FOR RELEASE: no Windows native modules"})`,
);
