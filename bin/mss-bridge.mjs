#!/usr/bin/env -S node --max-semi-space-size=1
// Node flags: see bridge/app/node-flags.ts.
// mss-bridge: runs the TypeScript command line through tsx, from any working directory.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../bridge/cli.ts");
const code = await main(process.argv);
if (code !== null) {
  // Let stdout drain (status --json, native-host replies) before exiting.
  process.stdout.write("", () => process.exit(code));
}
