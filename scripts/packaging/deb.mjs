#!/usr/bin/env node
// Builds dist/packages/mss-bridge_<version>_amd64.deb from the single executable and its native
// modules (`npm run package` puts them in dist/sea/) and the built .xpi (dist/). Debian's own
// tools only: dpkg-deb --root-owner-group, then lintian when it is installed (errors fail the build).
//
//   node scripts/packaging/deb.mjs [--payload dist/sea] [--xpi dist/mssante-thunderbird.xpi] [--out dist/packages]
//
// Layout (docs/packaging.md): /usr/lib/mss-bridge/ (executable + .node files), /usr/bin/mss-bridge,
// the system-wide native-messaging and PKCS#11 manifests under /usr/lib/mozilla/, the .xpi in
// /usr/share/mss-bridge/, an example Thunderbird policies.json in /usr/share/doc/mss-bridge/examples/
// (documented, not installed). No daemon, no autostart, no maintainer scripts.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { ADDON_ID, NATIVE_HOST_NAME, PKCS11_MANIFEST_NAME, cryptolibPath, pkg, root } from "./package-inputs.mjs";
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";

const { values: opt } = parseArgs({
  options: {
    payload: { type: "string", default: path.join(root, "dist", "sea") },
    xpi: { type: "string", default: path.join(root, "dist", "mssante-thunderbird.xpi") },
    out: { type: "string", default: path.join(root, "dist", "packages") },
  },
});

/** Cryptolib CPS's Linux module, as the card database names it. */
const CRYPTOLIB_LINUX = cryptolibPath("linux");

const version = pkg.version;
const arch = "amd64";
const name = "mss-bridge";
const fail = (msg) => {
  console.error(`package-deb: ${msg}`);
  process.exit(1);
};
const exe = path.join(opt.payload, "mss-bridge");
if (!existsSync(exe)) fail(`no executable at ${exe}: run \`npm run package\` first`);
if (!existsSync(opt.xpi)) fail(`no extension at ${opt.xpi}: run \`npm run build\` first`);

const stage = path.join(opt.out, `${name}_${version}_${arch}`);
rmSync(stage, { recursive: true, force: true });
const dir = (p) => {
  const d = path.join(stage, p);
  mkdirSync(d, { recursive: true, mode: 0o755 });
  return d;
};
const file = (p, content, mode = 0o644) => {
  const f = path.join(stage, p);
  mkdirSync(path.dirname(f), { recursive: true, mode: 0o755 });
  writeFileSync(f, content);
  chmodSync(f, mode);
};

// The program.
const lib = dir("usr/lib/mss-bridge");
copyFileSync(exe, path.join(lib, "mss-bridge"));
chmodSync(path.join(lib, "mss-bridge"), 0o755);
for (const f of readdirSync(opt.payload).filter((f) => f.endsWith(".node"))) {
  copyFileSync(path.join(opt.payload, f), path.join(lib, f));
  chmodSync(path.join(lib, f), 0o644);
  execFileSync("strip", ["--strip-unneeded", path.join(lib, f)]); // the addons, not the executable (see the overrides)
}
dir("usr/bin");
symlinkSync("../lib/mss-bridge/mss-bridge", path.join(stage, "usr/bin/mss-bridge"));

// Thunderbird's system-wide manifests (a per-user one in ~/.mozilla/ still shadows each).
file(
  `usr/lib/mozilla/native-messaging-hosts/${NATIVE_HOST_NAME}.json`,
  `${JSON.stringify(
    {
      name: NATIVE_HOST_NAME,
      description: "Pont MSSanté / MSSanté bridge",
      // Thunderbird starts it with the manifest's path and the add-on id; the executable knows that call.
      path: "/usr/lib/mss-bridge/mss-bridge",
      type: "stdio",
      allowed_extensions: [ADDON_ID],
    },
    null,
    2,
  )}\n`,
);
file(
  `usr/lib/mozilla/pkcs11-modules/${PKCS11_MANIFEST_NAME}.json`,
  `${JSON.stringify(
    {
      name: PKCS11_MANIFEST_NAME,
      description: "MSSanté: carte CPS / CPS card (Cryptolib CPS)",
      type: "pkcs11",
      path: CRYPTOLIB_LINUX,
      allowed_extensions: [ADDON_ID],
    },
    null,
    2,
  )}\n`,
);

// The extension, and the policy that force-installs it (an example: IT decides).
const xpiName = "mssante-thunderbird.xpi";
dir("usr/share/mss-bridge");
copyFileSync(opt.xpi, path.join(stage, "usr/share/mss-bridge", xpiName));
chmodSync(path.join(stage, "usr/share/mss-bridge", xpiName), 0o644);
file(
  "usr/share/doc/mss-bridge/examples/policies.json",
  `${JSON.stringify(
    {
      policies: {
        ExtensionSettings: {
          [ADDON_ID]: { installation_mode: "force_installed", install_url: `file:///usr/share/mss-bridge/${xpiName}` },
        },
      },
    },
    null,
    2,
  )}\n`,
);
file(
  "usr/share/doc/mss-bridge/copyright",
  [
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
    "Upstream-Name: mssante-thunderbird",
    "Source: https://github.com/mssante-thunderbird/mssante-thunderbird",
    "",
    "Files: *",
    "Copyright: 2025-2026 MSSanté for Thunderbird contributors",
    `License: ${pkg.license}`,
    " This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0.",
    " On Debian systems the full text is not shipped in common-licenses; see",
    " https://mozilla.org/MPL/2.0/.",
    "",
  ].join("\n"),
);
const changelogDate = new Date(Number(execFileSync("git", ["-C", root, "log", "-1", "--format=%ct"]).toString().trim()) * 1000)
  .toUTCString()
  .replace("GMT", "+0000");
file(
  "usr/share/doc/mss-bridge/changelog.gz",
  gzipSync(
    Buffer.from(
      `${name} (${version}) unstable; urgency=medium\n\n  * Release ${version}.\n\n -- MSSanté for Thunderbird <maintainers@mssante-thunderbird.invalid>  ${changelogDate}\n`,
    ),
    { level: 9 },
  ),
);
// The SEA executable carries its JavaScript in an ELF note, so stripping it would break it.
file(
  "usr/share/lintian/overrides/mss-bridge",
  [
    "# Node.js single executable: the application is an injected ELF section; stripping removes it.",
    "mss-bridge: unstripped-binary-or-object [usr/lib/mss-bridge/mss-bridge]",
    "# Node's runtime is statically part of the single executable (that is the point of it).",
    "mss-bridge: embedded-library *",
    "mss-bridge: no-manual-page [usr/bin/mss-bridge]",
    "# Node's official Linux binary is built without PIE; the executable is that binary.",
    "mss-bridge: hardening-no-pie [usr/lib/mss-bridge/mss-bridge]",
    "",
  ].join("\n"),
);

// Control: what the executable links against (checked by \`ldd\` below), nothing else.
const needed = execFileSync("sh", ["-c", `objdump -p ${JSON.stringify(exe)} | awk '/NEEDED/{print $2}'`])
  .toString()
  .trim()
  .split("\n");
const depends = ["libc6", "libstdc++6", "libgcc-s1", "libpcsclite1"];
if (needed.includes("libatomic.so.1")) depends.push("libatomic1");
let installedSize = 0;
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile()) installedSize += statSync(p).size;
  }
};
walk(stage);
const md5 = [];
const sums = (d, rel = "") => {
  for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(d, e.name);
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) sums(p, r);
    else if (e.isFile()) md5.push(`${createHash("md5").update(readFileSync(p)).digest("hex")}  ${r}`);
  }
};
sums(stage);
file("DEBIAN/md5sums", `${md5.join("\n")}\n`);
file(
  "DEBIAN/control",
  [
    `Package: ${name}`,
    `Version: ${version}`,
    `Architecture: ${arch}`,
    "Maintainer: MSSanté for Thunderbird <maintainers@mssante-thunderbird.invalid>",
    `Installed-Size: ${Math.ceil(installedSize / 1024)}`,
    `Depends: ${depends.join(", ")}`,
    "Recommends: pcscd",
    "Suggests: thunderbird",
    "Section: mail",
    "Priority: optional",
    "Homepage: https://github.com/mssante-thunderbird/mssante-thunderbird",
    "Description: MSSanté bridge for Thunderbird (CPS card, directory, trust space)",
    " The local bridge of MSSanté for Thunderbird: Thunderbird starts it through",
    " native messaging to read the CPS card (PC/SC, PKCS#11), search the national",
    " health directory offline and keep patient data inside the MSSanté trust",
    " space. Ships the Thunderbird extension and the manifests Thunderbird reads.",
    "",
  ].join("\n"),
);
for (const d of ["usr", "DEBIAN"]) execFileSync("chmod", ["-R", "go-w", path.join(stage, d)]);

const deb = path.join(opt.out, `${name}_${version}_${arch}.deb`);
execFileSync("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", stage, deb], { stdio: ["ignore", "ignore", "inherit"] });
console.log(`built ${path.relative(process.cwd(), deb)} (${(statSync(deb).size / 1e6).toFixed(1)} MB; depends ${depends.join(", ")})`);

let lintian = true;
try {
  execFileSync("sh", ["-c", "command -v lintian"], { stdio: "ignore" });
} catch {
  lintian = false;
  if (process.env.CI === "true") fail("lintian is missing (scripts/setup installs it)");
  console.log("lintian not installed: not checked");
}
if (lintian) {
  let out = "";
  try {
    out = execFileSync("lintian", ["--tag-display-limit", "0", deb], { encoding: "utf8" });
  } catch (e) {
    out = `${e.stdout ?? ""}${e.stderr ?? ""}`;
  }
  const errors = out.split("\n").filter((l) => l.startsWith("E: "));
  const warnings = out.split("\n").filter((l) => l.startsWith("W: "));
  if (out.trim()) console.log(out.trim());
  console.log(`lintian: ${errors.length} errors, ${warnings.length} warnings`);
  if (errors.length > 0) fail("lintian reported errors");
}
