/**
 * vitest globalSetup for the `real` and `e2e` projects: one pcscd for the whole run (only one can
 * run per machine). A running pcscd is reused and left running; one started here is stopped at
 * the end. Without pcscd or root, nothing is done: suites that need it skip (or fail with CI=true)
 * through missingComponents().
 */
import type { TestProject } from "vitest/node";
import { ensureSystemPcscd, pcscdInstalled, type SystemPcscd } from "./pcscd.ts";
import { isRoot } from "./require-component.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** True when this run's global setup started the machine's pcscd (so a test may restart it). */
    pcscdStartedBySetup: boolean;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let pcscd: SystemPcscd | null = null;
  if (pcscdInstalled() && isRoot()) {
    try {
      pcscd = await ensureSystemPcscd();
    } catch (e) {
      console.warn(`global setup: could not start pcscd (${(e as Error).message}); card suites will report it`);
    }
  }
  project.provide("pcscdStartedBySetup", pcscd?.startedHere ?? false);
  return async () => {
    if (pcscd?.startedHere) await pcscd.stop();
  };
}
