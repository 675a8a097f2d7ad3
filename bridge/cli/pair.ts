/** `mss-bridge pair` and `mss-bridge unpair`: talk to the running bridge over the control channel. */
import type { Command } from "commander";
import { isExtensionOrigin } from "../pairing/extension-origin.ts";
import { BridgeNotRunning, ControlClient } from "../server/control-client.ts";
import type { ControlEvent } from "../server/control-protocol.ts";
import { dataPaths, ensureDataDir } from "../config/data-dir.ts";
import { acquireInstanceLock, AlreadyRunningError, type InstanceLock } from "../app/instance-lock.ts";
import { PairingStore } from "../pairing/pairing-store.ts";
import { addDataDirOption, CliError, dataDirFrom, Exit, out } from "./common.ts";

export function registerPairCommands(program: Command, run: (fn: () => Promise<number>) => Promise<void>): void {
  addDataDirOption(
    program
      .command("pair")
      .description("show a one-time code to pair the extension when native messaging is not available (needs a running bridge)"),
  ).action((opts) => run(() => pair(dataDirFrom(opts))));

  addDataDirOption(
    program
      .command("unpair")
      .description("forget a paired extension origin, or all of them (--all also renews the secret)")
      .argument("[origin]", "moz-extension://… origin to forget")
      .option("--all", "forget every paired extension and renew the secret"),
  ).action((origin: string | undefined, opts) => run(() => unpair(dataDirFrom(opts), origin, Boolean(opts.all))));
}

async function pair(dataDir: string): Promise<number> {
  let client: ControlClient;
  try {
    client = await ControlClient.connect(dataDir);
  } catch (e) {
    if (e instanceof BridgeNotRunning) throw new CliError(Exit.UNAVAILABLE, e.message);
    throw e;
  }
  const ended = new Promise<ControlEvent>((resolve) => client.onEvent(resolve));
  const { code, expiresAt } = await client.request<{ code: string; expiresAt: string }>({ cmd: "pair.open" });
  const minutes = Math.round((Date.parse(expiresAt) - Date.now()) / 60_000);
  out("Pairing code for the MSSanté extension (type it in the setup page):");
  out("");
  out(`    ${code}`);
  out("");
  out(`Valid for ${minutes} minutes, 5 tries. Waiting… (Ctrl-C to cancel)`);
  const onSig = () => {
    client
      .request({ cmd: "pair.cancel" })
      .catch(() => {})
      .finally(() => client.close());
  };
  process.once("SIGINT", onSig);
  process.once("SIGTERM", onSig);
  const closed = client.closed.then(() => null);
  const e = await Promise.race([ended, closed]);
  process.off("SIGINT", onSig);
  process.off("SIGTERM", onSig);
  client.close();
  if (e === null) throw new CliError(Exit.UNAVAILABLE, "The bridge stopped before pairing finished.");
  switch (e.how) {
    case "paired":
      out(`Paired: ${e.origin}`);
      return Exit.OK;
    case "expired":
      throw new CliError(Exit.UNAVAILABLE, "The code expired. Run `mss-bridge pair` again.");
    case "too-many-attempts":
      throw new CliError(Exit.BAD_INPUT, "A wrong code was typed too many times; the code is void. Run `mss-bridge pair` again.");
    case "cancelled":
      throw new CliError(Exit.UNAVAILABLE, "Pairing cancelled.");
  }
}

async function unpair(dataDir: string, origin: string | undefined, all: boolean): Promise<number> {
  if (!all && !origin) throw new CliError(Exit.USAGE, "Say which extension to forget (its moz-extension://… origin), or --all.");
  if (origin && !isExtensionOrigin(origin)) throw new CliError(Exit.BAD_INPUT, "The origin must look like moz-extension://<uuid>.");
  const target = all ? "all" : origin!;
  let removed: number;
  try {
    const c = await ControlClient.connect(dataDir);
    try {
      removed = (await c.request<{ removed: number }>({ cmd: "unpair", ...(all ? { all: true } : { origin }) })).removed;
    } finally {
      c.close();
    }
  } catch (e) {
    if (!(e instanceof BridgeNotRunning)) throw e;
    // No bridge running: edit the pairing file ourselves, under the instance lock.
    ensureDataDir(dataDir);
    const p = dataPaths(dataDir);
    let lock: InstanceLock;
    try {
      lock = acquireInstanceLock(p.lock);
    } catch (le) {
      if (le instanceof AlreadyRunningError) throw new CliError(Exit.UNAVAILABLE, `${le.message} (its control channel does not answer).`);
      throw le;
    }
    try {
      removed = PairingStore.open(p.pairing).remove(target);
    } finally {
      lock.release();
    }
  }
  out(all ? `Forgot ${removed} paired extension(s); the secret was renewed.` : removed ? `Forgot ${origin}.` : `${origin} was not paired.`);
  return Exit.OK;
}
