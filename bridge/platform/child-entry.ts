/**
 * How the bridge starts its child processes (PC/SC watcher, PKCS#11 worker, directory import)
 * and worker threads (the directory import's), and loads the modules bundled apart (the demo).
 * Bundled (dist/bridge/, see scripts/build.mjs): each child is its own bundle, run by plain Node.
 * From sources: the child's .ts file, run through tsx resolved from this package as an absolute
 * URL, so a child starts whatever the working directory the bridge was started from.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";
import { loadProvidedModule, executableAsset, ROLE_ARG_PREFIX, RUNNING_AS_EXECUTABLE } from "./executable.ts";
import { packageFile } from "./package-root.ts";
import bundles from "./bundles.json" with { type: "json" };

/** Replaced by `true` when esbuild bundles the bridge (scripts/build.mjs). */
declare const __MSS_BRIDGE_BUNDLE__: boolean | undefined;

export const RUNNING_BUNDLED: boolean = typeof __MSS_BRIDGE_BUNDLE__ !== "undefined" && __MSS_BRIDGE_BUNDLE__ === true;

/**
 * Every bundle of dist/bridge/ (its name) and the source it is made from, in bundles.json: read by
 * the build (scripts/build-bridge.mjs) too, so the list of the bridge's processes has one home.
 */
export const BRIDGE_BUNDLES = bundles;

/** Each child process: its source file, and its bundle's name in dist/bridge/. */
export const CHILD_ENTRIES = BRIDGE_BUNDLES.children;
export type ChildName = keyof typeof CHILD_ENTRIES;

/** Each worker thread: its source file, and its bundle's name in dist/bridge/. */
export const WORKER_ENTRIES = BRIDGE_BUNDLES.workers;
export type WorkerName = keyof typeof WORKER_ENTRIES;

/** Modules bundled apart and loaded only when asked for (the demo: `start --demo`). */
export const ON_DEMAND_ENTRIES = BRIDGE_BUNDLES.onDemand;
export type OnDemandName = keyof typeof ON_DEMAND_ENTRIES;

function resolveUrl(specifier: string): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve(specifier)).href;
  } catch {
    return specifier;
  }
}

let tsxUrl: string | null = null;
function tsx(): string {
  tsxUrl ??= resolveUrl("tsx");
  return tsxUrl;
}

/** Node's default old-generation ceiling on a 64-bit machine with 16 GB or more. */
const CHILD_OLD_SPACE_FLAG = "--max-old-space-size=4096";

/** The child's bundle, whatever this process runs (benchmarks measure what ships). */
export function bundledChildEntry(name: ChildName, ...extraNodeFlags: string[]): { modulePath: string; execArgv: string[] } {
  return { modulePath: packageFile(`dist/bridge/${name}.mjs`), execArgv: [...extraNodeFlags] };
}

/** The module path and execArgv for `fork()` of a child, followed by any extra Node flags. */
export function childEntry(name: ChildName, ...extraNodeFlags: string[]): { modulePath: string; execArgv: string[] } {
  // The executable takes no Node flags in front of its arguments but `--node-options=` (its
  // execArgvExtension "cli"), added after the flags baked into it; fork() puts execArgv first.
  // The bridge's old-generation cap baked in is not the children's: they get Node's usual 64-bit
  // ceiling back, as when forked by Node (the import needs far more than 96 MB).
  if (RUNNING_AS_EXECUTABLE) {
    const flags = [CHILD_OLD_SPACE_FLAG, ...extraNodeFlags];
    return { modulePath: `${ROLE_ARG_PREFIX}${name}`, execArgv: [`--node-options=${flags.join(" ")}`] };
  }
  if (RUNNING_BUNDLED) return bundledChildEntry(name, ...extraNodeFlags);
  return { modulePath: packageFile(CHILD_ENTRIES[name]), execArgv: ["--import", tsx(), ...extraNodeFlags] };
}

/**
 * Starts a worker thread. From sources, `--import tsx` does not reach worker threads (Node 20):
 * the worker first registers tsx's loader, then imports its .ts file.
 */
export function startWorker(name: WorkerName, options: WorkerOptions): Worker {
  if (RUNNING_AS_EXECUTABLE) {
    // The worker's bundle is an asset of the executable: an ES module run from a data: URL.
    return new Worker(new URL(`data:text/javascript;base64,${Buffer.from(executableAsset(`${name}.mjs`)).toString("base64")}`), options);
  }
  if (RUNNING_BUNDLED) return new Worker(packageFile(`dist/bridge/${name}.mjs`), options);
  const api = JSON.stringify(import.meta.resolve("tsx/esm/api")); // the ES module build (createRequire finds the CommonJS one)
  const entry = JSON.stringify(pathToFileURL(packageFile(WORKER_ENTRIES[name])).href);
  return new Worker(`import(${api}).then((m) => { m.register(); return import(${entry}); });`, { ...options, eval: true });
}

/**
 * The URL to import() a module bundled apart: its bundle, or its .ts file from sources (tsx's
 * loader, registered for the whole process, compiles it). Never a literal import(), which the
 * bundler would inline into the caller's bundle.
 */
function onDemandModuleUrl(name: OnDemandName): string {
  return pathToFileURL(packageFile(RUNNING_BUNDLED ? `dist/bridge/${name}.mjs` : ON_DEMAND_ENTRIES[name])).href;
}

/** Loads a module bundled apart (in the single executable: provided by its main). */
export function loadOnDemand(name: OnDemandName): Promise<unknown> {
  if (RUNNING_AS_EXECUTABLE) return loadProvidedModule(name);
  return import(onDemandModuleUrl(name));
}
