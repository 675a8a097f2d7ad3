#!/usr/bin/env node
// Bundles the bridge with esbuild into dist/bridge/ (part of `npm run build`; alone:
// `node scripts/build-bridge.mjs`). One ES module per process the bridge runs (bridge/platform/bundles.json):
//   cli.mjs           the `mss-bridge` command line and the bridge itself
//   pcsc-child.mjs    the PC/SC watcher child
//   token-worker.mjs  the PKCS#11 child
//   import-child.mjs  the directory import child
//   import-worker.mjs  the import child's worker threads (parse a part of the file; collate names)
//   demo.mjs          the demo (`start --demo`: token maker, directory generator), imported by cli.mjs
//                     only with --demo
//   inputs.json       the project files each bundle was made from (bin/mss-bridge.mjs falls back
//                     to the TypeScript sources when one of them is newer than the bundle)
// Why: run through tsx, every start compiles the sources and keeps a loader thread with its own
// V8 heap, taking about three times as long to start and twice the memory (figures: the README's
// Measured table; the decision: docs/decisions.md).
// The native modules (pcsclite, pkcs11js) stay external: node_modules holds their compiled builds.
import { build } from "esbuild";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const BRIDGE_BUNDLE_DIR = path.join(root, "dist", "bridge");

// The bundles and their sources: one list, shared with the bridge (bridge/platform/child-entry.ts).
const BUNDLES = JSON.parse(readFileSync(path.join(root, "bridge", "platform", "bundles.json"), "utf8"));
const ENTRIES = { cli: BUNDLES.cli, ...BUNDLES.children, ...BUNDLES.workers, ...BUNDLES.onDemand };

export async function buildBridge() {
  const started = Date.now();
  const result = await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, path.join(root, v)])),
    outdir: BRIDGE_BUNDLE_DIR,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node26",
    external: ["pcsclite", "pkcs11js", "better-sqlite3", "tsx"],
    // CommonJS dependencies bundled into an ES module still call require().
    banner: {
      js: "import { createRequire as __mssCreateRequire } from 'node:module'; const require = __mssCreateRequire(import.meta.url);",
    },
    define: { __MSS_BRIDGE_BUNDLE__: "true" },
    legalComments: "none",
    sourcemap: "linked",
    logLevel: "warning",
    metafile: true,
    write: false,
  });
  // Written beside, then renamed: a bridge already running from dist/bridge/ may fork a child
  // while we build, and must never read a half-written file.
  mkdirSync(BRIDGE_BUNDLE_DIR, { recursive: true });
  for (const f of result.outputFiles) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  const inputs = Object.keys(result.metafile.inputs)
    .map((p) => path.relative(root, path.resolve(p)).split(path.sep).join("/"))
    .filter((p) => !p.startsWith("node_modules/") && !p.startsWith(".."));
  inputs.push("package.json", "package-lock.json");
  const infoTmp = path.join(BRIDGE_BUNDLE_DIR, `inputs.json.${process.pid}.tmp`);
  writeFileSync(infoTmp, `${JSON.stringify({ builtAt: new Date().toISOString(), inputs: [...new Set(inputs)].sort() }, null, 1)}\n`);
  renameSync(infoTmp, path.join(BRIDGE_BUNDLE_DIR, "inputs.json"));
  const size = result.outputFiles.filter((f) => f.path.endsWith(".mjs")).reduce((n, f) => n + f.contents.length, 0);
  console.log(
    `built ${path.relative(process.cwd(), BRIDGE_BUNDLE_DIR) || BRIDGE_BUNDLE_DIR}/ (${Object.keys(ENTRIES).length} bundles, ${(size / 1e6).toFixed(1)} MB) in ${Date.now() - started} ms`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildBridge().catch((e) => {
    console.error("bridge build failed:", e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
