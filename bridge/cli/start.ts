/** `mss-bridge start`: runs the bridge until SIGINT/SIGTERM. */
import type { Command } from "commander";
import { WS_PATH } from "../../shared/constants.ts";
import { BridgeError } from "../../shared/protocol/errors.ts";
import type { BridgeConfig } from "../config/config.ts";
import { startBridge, type RunningBridge, type StartOptions } from "../app/bridge-app.ts";
import { AlreadyRunningError } from "../app/instance-lock.ts";
import type { DemoSetup } from "../demo/demo.ts";
import { loadOnDemand } from "../platform/child-entry.ts";
import { createLogger } from "../log/logger.ts";
import { assertPrivateDataDir, ensureDataDir, UnsafeDataDirError } from "../config/data-dir.ts";
import { enforceLocks, lockedKeyNotice } from "../config/machine-config.ts";
import { addDataDirOption, CliError, configLayersFor, dataDirFrom, Exit, out, parseHostPort, parsePort } from "./common.ts";

export interface StartFlags {
  port?: string;
  module?: string;
  reader?: string;
  demo?: boolean;
  db?: string;
  dnsServer?: string;
  dataDir?: string;
}

export function registerStartCommand(program: Command, run: (fn: () => Promise<number | null>) => Promise<void>): void {
  addDataDirOption(
    program
      .command("start")
      .description("run the bridge (WebSocket on 127.0.0.1 and ::1) until stopped")
      .option("--port <n>", "WebSocket port (default 7431; 0 picks a free one)")
      .option("--module <path>", "PKCS#11 module of the card (overrides the card database)")
      .option("--reader <name>", "bind the card to this reader")
      .option("--demo", "demo: a simulated CPS card on a SoftHSM token, a generated directory, a test-only trust list")
      .option("--db <path>", "directory index (e.g. a machine-wide read-only one)")
      .option("--dns-server <host:port>", "DNS server for server discovery (tests)"),
  ).action((flags: StartFlags) => run(() => start(flags)));
}

export function applyStartFlags(config: BridgeConfig, f: StartFlags): BridgeConfig {
  const c = structuredClone(config);
  if (f.port !== undefined) c.port = parsePort(f.port);
  if (f.module !== undefined) c.modulePath = f.module;
  if (f.reader !== undefined) c.reader = f.reader;
  if (f.demo) c.demo = true;
  if (f.db !== undefined) c.directory.dbPath = f.db;
  if (f.dnsServer !== undefined) c.discovery.dnsServer = parseHostPort(f.dnsServer);
  return c;
}

/** The demo's directory index is built once, from the generated extraction, before the bridge says it listens. */
async function importDemoDirectory(bridge: RunningBridge, log: ReturnType<typeof createLogger>): Promise<void> {
  const dir = bridge.ctx.services.directory;
  if (dir.status().count > 0) return;
  try {
    await dir.importFromConfiguredSource(() => {});
    log.info("demo directory ready", { entries: dir.status().count });
  } catch (e) {
    log.warn("demo directory import failed; the demo runs without it", { error: (e as Error).message });
  }
}

async function start(flags: StartFlags): Promise<number | null> {
  const dataDir = ensureDataDir(dataDirFrom(flags));
  try {
    assertPrivateDataDir(dataDir); // before config.json is read: it names the PKCS#11 library to load
  } catch (e) {
    if (e instanceof UnsafeDataDirError) throw new CliError(Exit.UNAVAILABLE, e.message);
    throw e;
  }
  const log = createLogger();
  const layers = configLayersFor(dataDir);
  // A locked key keeps the machine's value against the command line too (--module, --db).
  const flagged = enforceLocks(applyStartFlags(layers.config, flags), layers.machine);
  let config = flagged.config;
  for (const [keys, where] of [
    [layers.overridden, "config.json"],
    [flagged.overridden, "the command line"],
  ] as const)
    for (const key of keys) log.warn(lockedKeyNotice(key, layers.machine!.file, where), { key });
  let extra: Pick<StartOptions, "tokenEnv" | "cardExtra" | "trustExtra"> = {};
  if (config.demo) {
    let demo: DemoSetup;
    try {
      // Bundled apart (dist/bridge/demo.mjs): the directory generator and the token maker are not
      // part of the shipped command line, and load only here.
      const { prepareDemo } = (await loadOnDemand("demo")) as typeof import("../demo/demo.ts");
      demo = await prepareDemo(dataDir, config, log.child("demo"));
    } catch (e) {
      throw new CliError(Exit.UNAVAILABLE, (e as Error).message);
    }
    config = demo.config;
    extra = { tokenEnv: demo.tokenEnv, cardExtra: demo.cardExtra, trustExtra: { cacheDir: demo.trustCacheDir } };
  }
  // Signal handlers first: a signal arriving before them would kill the process with Node's
  // default action, skipping the clean stop (lock, runtime file, children). One arriving while
  // the bridge starts is honoured once it has started.
  let bridge: RunningBridge | null = null;
  let stopping = false;
  type StopRequest = { signal: string; exitCode: number };
  let pendingStop: StopRequest | null = null;
  const stop = async (signal: string, exitCode: number = Exit.OK) => {
    if (!bridge) {
      pendingStop ??= { signal, exitCode };
      return;
    }
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    const force = setTimeout(() => process.exit(Exit.UNAVAILABLE), 10_000);
    force.unref();
    await bridge.stop();
    out("mss-bridge stopped");
    process.exit(exitCode);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGHUP", () => void stop("SIGHUP"));
  process.on("uncaughtException", (e) => {
    log.error("uncaught exception; stopping", { error: e });
    if (!bridge) process.exit(1);
    void stop("uncaughtException", 1);
  });
  process.on("unhandledRejection", (e) => log.error("unhandled rejection", { error: e }));

  try {
    bridge = await startBridge({ dataDir, config, log, ...extra });
  } catch (e) {
    if (e instanceof AlreadyRunningError) throw new CliError(Exit.UNAVAILABLE, e.message);
    if (e instanceof BridgeError) throw new CliError(Exit.UNAVAILABLE, e.message);
    throw e;
  }
  const requested = pendingStop as StopRequest | null; // set by a signal handler meanwhile
  if (requested) {
    await stop(requested.signal, requested.exitCode);
    return null;
  }
  if (config.demo) await importDemoDirectory(bridge, log);
  out(
    `mss-bridge ${config.demo ? "(DEMO: simulated card, test-only data) " : ""}listening on ${bridge.addresses.map((a) => `ws://${a}${WS_PATH}`).join(" and ")} (pid ${process.pid}, data ${dataDir})`,
  );
  return null; // keep running
}
