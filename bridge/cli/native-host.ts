/**
 * `mss-bridge native-host`: what Thunderbird starts (through the `mssante_bridge` native-messaging
 * manifest, only for our add-on id) when the extension calls runtime.connectNative. Its life is
 * the native port's:
 *
 *   1. It refuses any caller but our add-on id (Thunderbird passes the manifest's path and the id).
 *   2. It attaches to the bridge of the data directory over the control channel (`host.attach`),
 *      first starting one (`hosted-bridge`, in its own session) when none runs. The attachment
 *      gives the port and a fresh per-launch credential — never the persistent pairing secret.
 *   3. It sends the extension, unasked, one native message:
 *        {type: "bridge", port, credential, launchId, protocolVersion, bridgeVersion}
 *      (or {type: "error", code, message} when no bridge could be reached, then exits).
 *   4. It stays attached until the native port closes (stdin ends, or SIGTERM), then detaches and
 *      exits; a bridge it started stops when no host is attached any more. When the bridge goes
 *      away first, the host exits so that Thunderbird closes the port and the extension reconnects.
 *
 * stdout is the channel to Thunderbird: nothing else is ever written there. The host's own log
 * goes to the data directory's log file; stderr (which Thunderbird shows in its console) gets at
 * most a one-line refusal.
 */
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { ADDON_ID } from "../../shared/constants.ts";
import { BRIDGE_NODE_FLAGS } from "../app/node-flags.ts";
import { selfCommand } from "../app/native-manifest.ts";
import { dataPaths, ensureDataDir } from "../config/data-dir.ts";
import { closeLogFile, logFileWriter, openLogFile } from "../log/log-file.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { BridgeNotRunning, ControlChannelImpostor, ControlClient } from "../server/control-client.ts";
import { ControlKeyError } from "../server/control-key.ts";
import type { HostAttachment } from "../server/control-protocol.ts";
import { encodeNativeMessage, NativeMessageDecoder } from "../server/native-messaging.ts";
import { configFor, Exit } from "./common.ts";
import type { HandOver, NativeHostError } from "../../shared/protocol/native-hand-over.ts";

export function handOverOf(a: HostAttachment): HandOver {
  return {
    type: "bridge",
    port: a.port,
    credential: a.credential,
    launchId: a.launchId,
    protocolVersion: a.protocolVersion,
    bridgeVersion: a.bridgeVersion,
  };
}

/** Why a caller is refused (null: it is our extension). Thunderbird always passes the add-on id. */
export function refusal(tbArgs: string[]): string | null {
  const addon = tbArgs[1];
  if (addon === undefined) return "refusing a caller that gave no add-on id (Thunderbird passes the manifest's path and the add-on id)";
  if (addon !== ADDON_ID) return "refusing a caller that is not the MSSanté extension";
  return null;
}

export interface AttachOptions {
  /**
   * Starts a bridge for the data directory; resolves with its exit code if it exits (it should not,
   * unless another won). Null: only attach (config `nativeHost.startsBridge: false`).
   */
  launch: (() => Promise<number | null>) | null;
  /** Overall time to get an attachment (a bridge started from sources takes a few seconds). */
  deadlineMs?: number;
  log: Logger;
}

/**
 * Attaches to the data directory's bridge, starting one when none answers. Two hosts starting at
 * once each start one: the instance lock lets one win, the other exits, and both hosts attach to
 * the winner.
 */
export async function attachToBridge(
  dataDir: string,
  o: AttachOptions,
): Promise<{ client: ControlClient; attachment: HostAttachment; started: boolean }> {
  const deadline = Date.now() + (o.deadlineMs ?? 30_000);
  let launched: Promise<number | null> | null = null;
  let exitedAt: number | null = null;
  for (;;) {
    let client: ControlClient | null = null;
    try {
      client = await ControlClient.connect(dataDir, 2_000);
      const attachment = await client.request<HostAttachment>({ cmd: "host.attach" }, 10_000);
      return { client, attachment, started: launched !== null };
    } catch (e) {
      client?.close();
      if (!(e instanceof BridgeNotRunning) && launched === null) throw e;
    }
    if (o.launch === null) throw new BridgeNotRunning(); // attach only
    if (launched === null) {
      o.log.info("no bridge runs for this data directory; starting one");
      launched = o.launch();
      void launched.then((code) => {
        exitedAt = Date.now();
        o.log.info("the started bridge exited", { code });
      });
    }
    // A started bridge that exited lost the race to another host's (or could not start): give the
    // winner a little time to answer, then give up.
    if (Date.now() > deadline || (exitedAt !== null && Date.now() - exitedAt > 5_000)) throw new BridgeNotRunning();
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether this data directory's configuration lets the host start a bridge (an unreadable one: yes, the bridge will say what is wrong). */
function startsBridge(dataDir: string, log: Logger): boolean {
  try {
    return configFor(dataDir).nativeHost.startsBridge !== false;
  } catch (e) {
    log.warn("configuration unreadable; starting the bridge, which will report it", { error: e });
    return true;
  }
}

/** Starts `mss-bridge hosted-bridge` in its own session, its output to the log file. */
function launchHostedBridge(dataDir: string, logFd: number): Promise<number | null> {
  const self = selfCommand(BRIDGE_NODE_FLAGS);
  const child = spawn(self.file, [...self.args, "hosted-bridge", "--data-dir", dataDir], {
    detached: true, // its own session: Thunderbird's signals to the host do not reach it
    stdio: ["ignore", logFd, logFd],
    cwd: dataDir,
    env: process.env,
    windowsHide: true,
  });
  return new Promise((resolve) => {
    child.once("error", () => resolve(null));
    child.once("exit", (code) => resolve(code));
    child.unref();
  });
}

export interface HostIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Called with a handler for the signals that end the host (SIGTERM, SIGINT, SIGHUP). */
  onSignal(handler: (signal: string) => void): void;
}

/** Runs the host until the native port closes or the bridge goes away. Resolves with the exit code. */
export async function runNativeHost(
  dataDir: string,
  io: HostIO,
  log: Logger,
  launch: (() => Promise<number | null>) | null,
): Promise<number> {
  let ended: ((code: number) => void) | null = null;
  const portClosed = new Promise<number>((resolve) => (ended = resolve));
  const end = (code: number) => ended?.(code);
  // The port may close while we are still attaching: watched from the start.
  const decoder = new NativeMessageDecoder();
  io.input.on("data", (chunk: Buffer) => {
    try {
      // The extension has nothing to ask: anything it sends is read and dropped.
      decoder.push(chunk);
    } catch {
      log.warn("message too large; closing");
      end(Exit.BAD_INPUT);
    }
  });
  io.input.on("end", () => end(Exit.OK));
  io.input.on("close", () => end(Exit.OK));
  io.input.on("error", () => end(Exit.OK));
  io.output.on("error", () => end(Exit.OK)); // Thunderbird has gone
  io.onSignal((signal) => {
    log.info("signal: the native port is closing", { signal });
    end(Exit.OK);
  });

  const attaching = attachToBridge(dataDir, { launch, log }).then(
    (a) => ({ ok: true as const, ...a }),
    (e: unknown) => ({ ok: false as const, error: e }),
  );
  const first = await Promise.race([portClosed.then((code) => ({ closed: code })), attaching]);
  if ("closed" in first) {
    // Closed before the attachment: detach as soon as it arrives (the bridge then stops if it was ours).
    void attaching.then((a) => a.ok && a.client.close());
    return first.closed;
  }
  if (!first.ok) {
    log.error("no bridge could be reached", { error: first.error });
    const msg: NativeHostError = {
      type: "error",
      code: "BRIDGE_UNAVAILABLE",
      message:
        first.error instanceof ControlChannelImpostor || first.error instanceof ControlKeyError
          ? first.error.message
          : launch === null
            ? "The MSSanté bridge is not running, and this installation does not start it (nativeHost.startsBridge is false): start the service."
            : `The MSSanté bridge could not be started; see ${dataPaths(dataDir).log}.`,
    };
    io.output.write(encodeNativeMessage(msg));
    return Exit.UNAVAILABLE;
  }
  const { client, attachment, started } = first;
  io.output.write(encodeNativeMessage(handOverOf(attachment)));
  log.info("attached", { port: attachment.port, bridgePid: attachment.pid, started });
  const code = await Promise.race([portClosed, client.closed.then(() => -1)]);
  client.close();
  if (code === -1) {
    log.warn("the bridge went away; closing the native port so that the extension reconnects");
    return Exit.UNAVAILABLE;
  }
  log.info("native port closed; detached");
  return code;
}

export function registerNativeHostCommand(
  program: Command,
  run: (fn: () => Promise<number>) => Promise<void>,
  dataDirFrom: (o: { dataDir?: string }) => string,
): void {
  program
    .command("native-host", { hidden: true })
    .description("native-messaging host started by Thunderbird (via the mssante_bridge manifest)")
    .option("--data-dir <dir>", "data directory of the bridge")
    .argument("[thunderbirdArgs...]", "manifest path and add-on id, as Thunderbird passes them")
    .action((tbArgs: string[], opts: { dataDir?: string }) =>
      run(async () => {
        const why = refusal(tbArgs);
        if (why) {
          process.stderr.write(`mss-bridge native-host: ${why}\n`);
          return Exit.BAD_INPUT;
        }
        const dataDir = ensureDataDir(dataDirFrom(opts));
        const logFd = openLogFile(dataPaths(dataDir).log);
        const log = createLogger({ component: `native-host/${process.pid}`, write: logFileWriter(logFd) });
        try {
          return await runNativeHost(
            dataDir,
            {
              input: process.stdin,
              output: process.stdout,
              onSignal: (h) => {
                for (const s of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(s, () => h(s));
              },
            },
            log,
            startsBridge(dataDir, log) ? () => launchHostedBridge(dataDir, logFd) : null,
          );
        } finally {
          closeLogFile(logFd);
        }
      }),
    );
}
