#!/usr/bin/env node
// Builds the macOS package's payload tree, and what the release workflow (.github/workflows/
// release-macos.yml) signs and packs it with, in dist/packages/macos/:
//   root/                  pkgbuild --root (installed at /): the tree below
//   entitlements.plist     codesign --entitlements for the executable (hardened runtime)
//   distribution.xml       productbuild --distribution
// pkgbuild, codesign, productbuild, notarytool and stapler run on macOS only (the workflow); this
// script runs anywhere, so the tree is checked on Linux (scripts/packaging/macos-payload.test.ts).
//
//   node scripts/packaging/macos-payload.mjs [--payload dist/sea] [--xpi dist/mssante-thunderbird.xpi] [--out dist/packages/macos]
//
// Layout (docs/packaging.md):
//   /usr/local/lib/mss-bridge/mss-bridge, *.node       the single executable and its native modules
//   /usr/local/bin/mss-bridge -> ../lib/mss-bridge/mss-bridge
//   /Library/Application Support/Mozilla/NativeMessagingHosts/mssante_bridge.json
//   /Library/Application Support/Mozilla/PKCS11Modules/mssante_cps.json   (Cryptolib CPS for macOS)
//   /usr/local/share/mss-bridge/mssante-thunderbird.xpi, /usr/local/share/doc/mss-bridge/examples/policies.json
// No daemon, no launchd job, no install script.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ADDON_ID, NATIVE_HOST_NAME, PKCS11_MANIFEST_NAME, cryptolibPath, pkg, root } from "./package-inputs.mjs";
import { parseArgs } from "node:util";

const { values: opt } = parseArgs({
  options: {
    payload: { type: "string", default: path.join(root, "dist", "sea") },
    xpi: { type: "string", default: path.join(root, "dist", "mssante-thunderbird.xpi") },
    out: { type: "string", default: path.join(root, "dist", "packages", "macos") },
  },
});
const fail = (msg) => {
  console.error(`package-macos: ${msg}`);
  process.exit(1);
};

const cryptolib = cryptolibPath("darwin");

const exe = path.join(opt.payload, "mss-bridge");
if (!existsSync(exe)) fail(`no executable at ${exe}: run \`npm run package\` on macOS first`);
if (!existsSync(opt.xpi)) fail(`no extension at ${opt.xpi}: run \`npm run build\` first`);

/** The bundle identifier of the package (pkgbuild --identifier) and of the executable's signature. */
const IDENTIFIER = "org.mssante-thunderbird.bridge";
const LIB = "/usr/local/lib/mss-bridge";
const MOZILLA = "/Library/Application Support/Mozilla";

const out = path.resolve(opt.out);
const stage = path.join(out, "root");
rmSync(out, { recursive: true, force: true });
const file = (p, content, mode = 0o644) => {
  const f = path.join(stage, p);
  mkdirSync(path.dirname(f), { recursive: true, mode: 0o755 });
  if (Buffer.isBuffer(content) || typeof content === "string") writeFileSync(f, content);
  else copyFileSync(content.from, f);
  chmodSync(f, mode);
};
const json = (o) => `${JSON.stringify(o, null, 2)}\n`;

file(`${LIB}/mss-bridge`, { from: exe }, 0o755);
const modules = readdirSync(opt.payload).filter((f) => f.endsWith(".node"));
for (const m of modules) file(`${LIB}/${m}`, { from: path.join(opt.payload, m) });
mkdirSync(path.join(stage, "usr/local/bin"), { recursive: true });
symlinkSync("../lib/mss-bridge/mss-bridge", path.join(stage, "usr/local/bin/mss-bridge"));

// Thunderbird's system-wide manifests (a per-user one in ~/Library/Application Support/Mozilla/ shadows each).
file(
  `${MOZILLA}/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`,
  json({
    name: NATIVE_HOST_NAME,
    description: "Pont MSSanté / MSSanté bridge",
    path: `${LIB}/mss-bridge`,
    type: "stdio",
    allowed_extensions: [ADDON_ID],
  }),
);
file(
  `${MOZILLA}/PKCS11Modules/${PKCS11_MANIFEST_NAME}.json`,
  json({
    name: PKCS11_MANIFEST_NAME,
    description: "MSSanté: carte CPS / CPS card (Cryptolib CPS)",
    type: "pkcs11",
    path: cryptolib,
    allowed_extensions: [ADDON_ID],
  }),
);
const xpiName = "mssante-thunderbird.xpi";
file(`/usr/local/share/mss-bridge/${xpiName}`, { from: opt.xpi });
// An example: IT deploys it in a configuration profile (org.mozilla.thunderbird) or Thunderbird's distribution/policies.json.
file(
  "/usr/local/share/doc/mss-bridge/examples/policies.json",
  json({
    policies: {
      ExtensionSettings: {
        [ADDON_ID]: { installation_mode: "force_installed", install_url: `file:///usr/local/share/mss-bridge/${xpiName}` },
      },
    },
  }),
);

// The hardened runtime's exceptions the executable needs: V8 compiles code at run time (JIT,
// writable-executable memory), and the bridge loads Cryptolib CPS, signed by another team than ours.
const ENTITLEMENTS = [
  "com.apple.security.cs.allow-jit",
  "com.apple.security.cs.allow-unsigned-executable-memory",
  "com.apple.security.cs.disable-library-validation",
];
writeFileSync(
  path.join(out, "entitlements.plist"),
  [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    ...ENTITLEMENTS.flatMap((k) => [`  <key>${k}</key>`, "  <true/>"]),
    "</dict>",
    "</plist>",
    "",
  ].join("\n"),
);

const arch = process.env.MSS_MACOS_ARCH ?? (process.arch === "arm64" ? "arm64" : "x86_64");
writeFileSync(
  path.join(out, "distribution.xml"),
  [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<installer-gui-script minSpecVersion="2">',
    "  <title>Pont MSSanté / MSSanté bridge</title>",
    `  <options customize="never" require-scripts="false" hostArchitectures="${arch}"/>`,
    '  <domains enable_localSystem="true" enable_anywhere="false" enable_currentUserHome="false"/>',
    '  <os-version min="13.5"/>',
    `  <pkg-ref id="${IDENTIFIER}"/>`,
    "  <choices-outline>",
    `    <line choice="${IDENTIFIER}"/>`,
    "  </choices-outline>",
    `  <choice id="${IDENTIFIER}" visible="false">`,
    `    <pkg-ref id="${IDENTIFIER}"/>`,
    "  </choice>",
    `  <pkg-ref id="${IDENTIFIER}" version="${pkg.version}" onConclusion="none">mss-bridge-component.pkg</pkg-ref>`,
    "</installer-gui-script>",
    "",
  ].join("\n"),
);

console.log(
  `macOS payload ${path.relative(process.cwd(), out) || out}: root/ (${LIB}, ${modules.length} native module(s), the manifests), ` +
    `entitlements.plist, distribution.xml (${arch}, version ${pkg.version})`,
);
