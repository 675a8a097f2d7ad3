/**
 * vitest globalSetup for the `real` and `e2e` projects. The bridge's bundle is rebuilt first, so
 * these suites run the bridge as it ships (bin/mss-bridge.mjs → dist/bridge/), never a stale one;
 * with MSS_BRIDGE_EXECUTABLE they run that single executable instead (`npm run test:executable`).
 * Then one pcscd for the whole run (only one can
 * run per machine). A running pcscd is reused and left running; one started by a test harness is
 * stopped at the end by the last run still using it (overlapping runs share it through leases,
 * see harness/pcscd.ts). Without pcscd or root, nothing is done: suites that need it skip (or fail
 * with CI=true) through missingComponents().
 */
import type { TestProject } from "vitest/node";
import { existsSync } from "node:fs";
import { buildBridge } from "../../scripts/build-bridge.mjs";
import { BRIDGE_EXECUTABLE } from "./bridge-process.ts";
import { leaseSystemPcscd, pcscdInstalled, type PcscdLease } from "./pcscd.ts";
import { isRoot } from "./require-component.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** True when this run's global setup started the machine's pcscd (so a test may restart it). */
    pcscdStartedBySetup: boolean;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await buildBridge();
  if (BRIDGE_EXECUTABLE && !existsSync(BRIDGE_EXECUTABLE)) {
    throw new Error(`MSS_BRIDGE_EXECUTABLE: ${BRIDGE_EXECUTABLE} does not exist (npm run package makes dist/sea/mss-bridge)`);
  }
  if (BRIDGE_EXECUTABLE) console.log(`global setup: the suites run the single executable ${BRIDGE_EXECUTABLE}`);
  let pcscd: PcscdLease | null = null;
  if (pcscdInstalled() && isRoot()) {
    try {
      pcscd = await leaseSystemPcscd();
    } catch (e) {
      console.warn(`global setup: could not start pcscd (${(e as Error).message}); card suites will report it`);
    }
  }
  project.provide("pcscdStartedBySetup", pcscd?.startedHere ?? false);
  return async () => {
    await pcscd?.release();
  };
}
