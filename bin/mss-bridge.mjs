#!/usr/bin/env node
// mss-bridge: runs the TypeScript command line through tsx, from any working directory.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../bridge/cli.ts");
const code = await main(process.argv);
if (code !== null) {
  // Let stdout drain (status --json, native-host replies) before exiting.
  process.stdout.write("", () => process.exit(code));
}
