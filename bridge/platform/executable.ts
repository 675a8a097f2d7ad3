/**
 * The bridge as one executable (Node's single-executable application, made by `npm run package`,
 * scripts/package.mjs): the command line, the bridge and its child processes are roles of that
 * executable, its data files are assets inside it, and its native modules (.node) sit beside it.
 * Imports nothing of the bridge: the executable's main (bridge/executable-main.ts) fills the
 * on-demand modules in.
 */
import path from "node:path";

/** Replaced by `true` when scripts/package.mjs bundles the executable. */
declare const __MSS_BRIDGE_EXECUTABLE__: boolean | undefined;

export const RUNNING_AS_EXECUTABLE: boolean = typeof __MSS_BRIDGE_EXECUTABLE__ !== "undefined" && __MSS_BRIDGE_EXECUTABLE__ === true;

/**
 * The first argument that makes the executable run a child process's code instead of the command
 * line (in a single executable, `fork(file)` would re-run the command line: the role replaces the file).
 */
export const ROLE_ARG_PREFIX = "--mss-bridge-role=";

/** A data file put into the executable as an asset, by its path in the repository. */
export function executableAsset(relative: string): string {
  const sea = process.getBuiltinModule("node:sea");
  return sea.getAsset(relative, "utf8");
}

/** The folder of the executable, where its native modules are. */
export function executableDir(): string {
  return path.dirname(process.execPath);
}

const onDemand = new Map<string, () => Promise<unknown>>();

/** Called by the executable's main: how to load each module bundled apart elsewhere (the demo). */
export function provideOnDemandModules(modules: Record<string, () => Promise<unknown>>): void {
  for (const [name, load] of Object.entries(modules)) onDemand.set(name, load);
}

export function loadProvidedModule(name: string): Promise<unknown> {
  const load = onDemand.get(name);
  if (!load) return Promise.reject(new Error(`this executable has no module ${name}`));
  return load();
}
