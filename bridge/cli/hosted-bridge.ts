/**
 * `mss-bridge hosted-bridge` (hidden): the bridge a native-messaging host starts when none runs for
 * the data directory (cli/native-host.ts). It listens on a port the system chooses, lives while at
 * least one host is attached over the control channel, and stops (children, audit log, lock) as
 * soon as the last one detaches. It runs in its own session, apart from the host Thunderbird
 * started: Thunderbird signals that host (SIGTERM 3 s after closing its stdin, SIGKILL 3 s later),
 * and the bridge must outlive it while another profile's host is attached.
 * stdout and stderr are the data directory's log file (the host opens it); nothing else is written.
 */
import type { Command } from "commander";
import { startBridge, type RunningBridge } from "../app/bridge-app.ts";
import { AlreadyRunningError } from "../app/instance-lock.ts";
import { ensureDataDir } from "../config/data-dir.ts";
import { createLogger } from "../log/logger.ts";
import { BridgeError } from "../../shared/protocol/errors.ts";
import { lockedKeyNotice } from "../config/machine-config.ts";
import { addDataDirOption, CliError, configLayersFor, dataDirFrom, Exit } from "./common.ts";

/** Past this, a stopping hosted bridge exits whatever is still closing (its children leave with their IPC channel). */
export const HOSTED_STOP_DEADLINE_MS = 1_200;

export function registerHostedBridgeCommand(program: Command, run: (fn: () => Promise<number | null>) => Promise<void>): void {
  addDataDirOption(
    program.command("hosted-bridge", { hidden: true }).description("the bridge started by the native-messaging host (internal)"),
  ).action((flags: { dataDir?: string }) => run(() => runHostedBridge(dataDirFrom(flags))));
}

async function runHostedBridge(dataDirArg: string): Promise<number | null> {
  const dataDir = ensureDataDir(dataDirArg);
  const log = createLogger({ component: "hosted-bridge" });
  const layers = configLayersFor(dataDir);
  for (const key of layers.overridden) log.warn(lockedKeyNotice(key, layers.machine!.file, "config.json"), { key });
  const config = structuredClone(layers.config);
  config.port = 0; // the system chooses: nothing to configure, nothing to collide with
  if (config.demo) {
    log.warn("the demo is not started by Thunderbird; run `mss-bridge start --demo` for it");
    config.demo = false;
  }
  let bridge: RunningBridge | null = null;
  let stopping = false;
  let pending: string | null = null;
  const stop = async (why: string) => {
    if (!bridge) {
      pending ??= why;
      return;
    }
    if (stopping) return;
    stopping = true;
    const t0 = Date.now();
    log.info("stopping", { why });
    const force = setTimeout(() => {
      log.warn("stop deadline passed; exiting", { ms: Date.now() - t0 });
      process.exit(Exit.OK);
    }, HOSTED_STOP_DEADLINE_MS);
    force.unref();
    await bridge.stop();
    log.info("stopped", { ms: Date.now() - t0 });
    process.exit(Exit.OK);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGHUP", () => undefined); // no terminal to lose: the hosts decide
  process.on("uncaughtException", (e) => {
    log.error("uncaught exception; stopping", { error: e });
    if (!bridge) process.exit(1);
    void stop("uncaughtException");
  });
  process.on("unhandledRejection", (e) => log.error("unhandled rejection", { error: e }));
  try {
    bridge = await startBridge({ dataDir, config, log, lifecycle: "hosted", onHostsGone: () => void stop("no host attached") });
  } catch (e) {
    if (e instanceof AlreadyRunningError) {
      // Another host's bridge won the race (or a service runs): the host attaches to that one.
      log.info("a bridge already runs for this data directory", { pid: e.pid });
      return Exit.UNAVAILABLE;
    }
    if (e instanceof BridgeError) throw new CliError(Exit.UNAVAILABLE, e.message);
    throw e;
  }
  log.info("listening", { addresses: bridge.addresses, pid: process.pid });
  const requested = pending as string | null; // set by a signal handler meanwhile
  if (requested) await stop(requested);
  return null;
}
