/**
 * `mss-bridge native-host`: what Thunderbird starts (through the `mssante_bridge` native-messaging
 * manifest, only for our add-on id) when the extension calls runtime.connectNative/sendNativeMessage.
 * On {"type":"pair","origin":"moz-extension://…"} it registers the origin with the running bridge
 * over the control channel and answers {"type":"paired","port":N,"secret":"<base64>"}.
 * stdout is the channel to Thunderbird: nothing else is ever written there, and the secret is
 * written nowhere else.
 */
import { BridgeError } from "../../shared/protocol/errors.ts";
import { isExtensionOrigin } from "../pairing/extension-origin.ts";
import { encodeNativeMessage, NativeMessageDecoder } from "../server/native-messaging.ts";
import { BridgeNotRunning, controlRequest } from "../server/control-client.ts";
import { createLogger } from "../log/logger.ts";
import { ADDON_ID } from "../../shared/constants.ts";

type Reply = { type: "paired"; port: number; secret: string } | { type: "error"; code: string; message: string };

export async function answerNativeMessage(msg: unknown, dataDir: string): Promise<Reply> {
  if (msg === null || typeof msg !== "object" || (msg as { type?: unknown }).type !== "pair") {
    return { type: "error", code: "INVALID_REQUEST", message: 'Expected {"type":"pair","origin":"moz-extension://…"}.' };
  }
  const origin = (msg as { origin?: unknown }).origin;
  if (typeof origin !== "string" || !isExtensionOrigin(origin)) {
    return { type: "error", code: "INVALID_ORIGIN", message: "The origin must be the extension's moz-extension:// origin." };
  }
  try {
    const r = await controlRequest<{ port: number; secret: string }>(dataDir, { cmd: "registerOrigin", origin }, 10_000);
    return { type: "paired", port: r.port, secret: r.secret };
  } catch (e) {
    if (e instanceof BridgeNotRunning) {
      return {
        type: "error",
        code: "BRIDGE_NOT_RUNNING",
        message: "The MSSanté bridge is not running. Start it (`mss-bridge start`), then try again.",
      };
    }
    return {
      type: "error",
      code: e instanceof BridgeError ? "PAIRING_FAILED" : "IO_ERROR",
      message: e instanceof BridgeError ? e.message : "Could not reach the bridge.",
    };
  }
}

/** Runs the host until Thunderbird closes stdin. Resolves with the exit code. */
export function runNativeHost(
  dataDir: string,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const log = createLogger({ component: "native-host" });
  const decoder = new NativeMessageDecoder();
  let queue = Promise.resolve();
  return new Promise((resolve) => {
    input.on("data", (chunk: Buffer) => {
      let msgs: unknown[];
      try {
        msgs = decoder.push(chunk);
      } catch {
        log.warn("message too large; closing");
        output.write(encodeNativeMessage({ type: "error", code: "INVALID_REQUEST", message: "Message too large." }));
        resolve(3);
        return;
      }
      for (const m of msgs) {
        queue = queue.then(async () => {
          const reply = await answerNativeMessage(m, dataDir);
          log.info("native message answered", { type: reply.type, ...(reply.type === "error" ? { error: reply.code } : {}) });
          output.write(encodeNativeMessage(reply));
        });
      }
    });
    input.on("end", () => void queue.then(() => resolve(0)));
    input.on("error", () => resolve(4));
  });
}

export function registerNativeHostCommand(
  program: import("commander").Command,
  run: (fn: () => Promise<number>) => Promise<void>,
  dataDirFrom: (o: { dataDir?: string }) => string,
): void {
  program
    .command("native-host", { hidden: true })
    .description("native-messaging host started by Thunderbird (via the mssante_bridge manifest)")
    .option("--data-dir <dir>", "data directory of the bridge to pair with")
    .argument("[thunderbirdArgs...]", "manifest path and add-on id, as Thunderbird passes them")
    .action((tbArgs: string[], opts: { dataDir?: string }) =>
      run(async () => {
        // Thunderbird passes the manifest path then the calling add-on's id; only ours is served, and
        // a start without an id (not Thunderbird) is refused too. Defence in depth: a process of the
        // same user can pass our id (docs/domain/threat-model.md).
        const addon = tbArgs[1];
        if (addon !== ADDON_ID) {
          process.stderr.write("mss-bridge native-host: refusing a caller that is not the MSSanté extension\n");
          return 3;
        }
        return runNativeHost(dataDirFrom(opts));
      }),
    );
}
