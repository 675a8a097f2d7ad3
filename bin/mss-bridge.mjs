#!/usr/bin/env -S node --max-semi-space-size=1 --max-old-space-size=96 --v8-pool-size=1
// Node flags: see bridge/app/node-flags.ts.
// mss-bridge: runs the bridge's bundle (dist/bridge/cli.mjs, made by `npm run build`) when it is
// up to date with the sources it was built from; otherwise the TypeScript sources through tsx
// (slower to start, same behaviour). MSS_BRIDGE_FROM_SOURCE=1 forces the sources.
import { readFileSync, statSync } from "node:fs";

const root = new URL("../", import.meta.url);
const bundle = new URL("dist/bridge/cli.mjs", root);

/** Why the bundle cannot be used, or null when it can. */
function bundleProblem() {
  if (process.env.MSS_BRIDGE_FROM_SOURCE === "1") return "MSS_BRIDGE_FROM_SOURCE=1";
  let builtMs;
  let inputs;
  try {
    builtMs = statSync(bundle).mtimeMs;
    inputs = JSON.parse(readFileSync(new URL("dist/bridge/inputs.json", root), "utf8")).inputs;
  } catch {
    return "no bundle (run npm run build)";
  }
  for (const rel of inputs) {
    try {
      if (statSync(new URL(rel, root)).mtimeMs > builtMs) return `${rel} changed after the last build (run npm run build)`;
    } catch {
      if (rel !== "package-lock.json") return `${rel} is gone since the last build (run npm run build)`;
    }
  }
  return null;
}

let main;
const problem = bundleProblem();
if (problem === null) {
  ({ main } = await import(bundle.href));
} else {
  if (process.env.MSS_BRIDGE_DEBUG_LAUNCH === "1") process.stderr.write(`mss-bridge: running from sources: ${problem}\n`);
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(new URL("bridge/cli.ts", root).href));
}
const code = await main(process.argv);
if (code !== null) {
  // Let stdout drain (status --json, native-host replies) before exiting.
  process.stdout.write("", () => process.exit(code));
}
