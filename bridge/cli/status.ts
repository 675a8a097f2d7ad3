/**
 * `mss-bridge status [--json]`: readers, card, model, identity, PIN state. Asks the running bridge
 * over the control channel; without one, reads the card directly (starting the card layer briefly).
 */
import type { Command } from "commander";
import type { CardLayerState } from "../../shared/domain/card.ts";
import type { CardIdentity, PinStatus } from "../../shared/domain/identity.ts";
import { BridgeNotRunning, controlRequest } from "../server/control-client.ts";
import { withTimeout } from "../server/router.ts";
import { createServicesForStatus } from "../app/status-services.ts";
import { createLogger } from "../log/logger.ts";
import { machineConfigPath } from "../config/machine-config.ts";
import { addDataDirOption, configFor, configLayersFor, dataDirFrom, Exit, out } from "./common.ts";

export interface StatusReport {
  running: boolean;
  pid?: number;
  port?: number;
  demo?: boolean;
  bridgeVersion?: string;
  pairedOrigins?: string[];
  /** "hosted": started by Thunderbird's native-messaging host; "service": `mss-bridge start`. */
  lifecycle?: "hosted" | "service";
  /** Native-messaging hosts attached now (Thunderbird profiles with the extension running). */
  attachedHosts?: number;
  card: CardLayerState;
  identity: CardIdentity | null;
  identityError: string | null;
  pin: PinStatus | null;
  pinError: string | null;
  directory?: unknown;
  /** The machine-wide configuration IT may have written, as this command reads it now. */
  machineConfig?: MachineConfigSummary;
}

export interface MachineConfigSummary {
  file: string;
  present: boolean;
  /** The keys it sets (their values come from it unless the user's config.json changes them). */
  keys: string[];
  /** Those of them a user cannot change. */
  locked: string[];
  /** Locked keys the user's config.json sets to another value (ignored). */
  overridden: string[];
}

function machineSummary(dataDir: string): MachineConfigSummary {
  const { machine, overridden } = configLayersFor(dataDir);
  if (!machine) return { file: machineConfigPath(), present: false, keys: [], locked: [], overridden: [] };
  return { file: machine.file, present: true, keys: machine.keys, locked: machine.locked, overridden };
}

export function registerStatusCommand(program: Command, run: (fn: () => Promise<number>) => Promise<void>): void {
  addDataDirOption(
    program
      .command("status")
      .description("readers, card, model, identity and PIN state (from the running bridge, or read directly)")
      .option("--json", "machine-readable output"),
  ).action((opts: { json?: boolean; dataDir?: string }) => run(() => status(dataDirFrom(opts), Boolean(opts.json))));
}

async function status(dataDir: string, json: boolean): Promise<number> {
  let report: StatusReport;
  try {
    report = await controlRequest<StatusReport>(dataDir, { cmd: "status" }, 30_000);
  } catch (e) {
    if (!(e instanceof BridgeNotRunning)) throw e;
    report = await readDirectly(dataDir);
  }
  report.machineConfig = machineSummary(dataDir);
  if (json) out(JSON.stringify(report, null, 2));
  else printReport(report);
  return Exit.OK;
}

async function readDirectly(dataDir: string): Promise<StatusReport> {
  const config = configFor(dataDir);
  const card = await createServicesForStatus(config, dataDir, createLogger({ level: "warn" }));
  try {
    const ms = Math.min(config.limits.cardOperationTimeoutMs, 10_000);
    const [identity, pin] = await Promise.allSettled([
      withTimeout(card.getIdentity(), ms, "Reading the identity"),
      withTimeout(card.getPinStatus(), ms, "Reading the PIN state"),
    ]);
    return {
      running: false,
      card: card.getState(),
      identity: identity.status === "fulfilled" ? identity.value : null,
      identityError: identity.status === "rejected" ? (identity.reason as Error).message : null,
      pin: pin.status === "fulfilled" ? pin.value : null,
      pinError: pin.status === "rejected" ? (pin.reason as Error).message : null,
    };
  } finally {
    await card.close();
  }
}

function printReport(r: StatusReport): void {
  out(
    r.running
      ? `Bridge: running (pid ${r.pid}, port ${r.port}${r.demo ? ", DEMO" : ""}, version ${r.bridgeVersion})`
      : "Bridge: not running (card read directly)",
  );
  if (r.lifecycle) {
    const how = r.lifecycle === "hosted" ? "started by Thunderbird, stops when no Thunderbird uses it" : "a service (mss-bridge start)";
    out(`Lifecycle: ${r.lifecycle} (${how}); Thunderbird hosts attached: ${r.attachedHosts ?? 0}`);
  }
  if (r.pairedOrigins) out(`Paired extensions: ${r.pairedOrigins.length ? r.pairedOrigins.join(", ") : "none"}`);
  printCard(r.card);
  printIdentity(r);
  if (r.pin) out(`PIN: ${r.pin.state}${r.pin.pinPad ? " (PIN pad)" : ""}`);
  else if (r.pinError) out(`PIN: ${r.pinError}`);
  printDirectory(r.directory as { source: string; count: number; sourceDate: string | null; stale: boolean } | undefined);
  if (r.machineConfig) printMachineConfig(r.machineConfig);
}

function printMachineConfig(m: MachineConfigSummary): void {
  if (!m.present) {
    out(`Machine configuration: none (${m.file})`);
    return;
  }
  const locked = new Set(m.locked);
  const keys = m.keys.map((k) => (locked.has(k) || m.locked.some((l) => k.startsWith(`${l}.`)) ? `${k} (locked)` : k));
  out(`Machine configuration: ${m.file}: ${keys.length ? keys.join(", ") : "no keys"}`);
  for (const k of m.overridden) out(`  config.json sets ${k}, locked by IT: ignored`);
}

function printCard(c: CardLayerState): void {
  out(`PC/SC: ${c.pcscAvailable ? "available" : "unavailable"}`);
  if (c.readers.length === 0) out("Readers: none");
  for (const rd of c.readers) {
    const card = rd.cardPresent ? (rd.model ? `card ${rd.model.name}` : rd.unknownCard ? "unknown card" : "card") : "no card";
    out(`Reader: ${rd.name}${c.boundReader === rd.name ? " (bound)" : ""}: ${card}${rd.atr ? ` (ATR ${rd.atr})` : ""}`);
  }
  if (c.unavailable) out(`Card: unavailable: ${c.unavailable.message}`);
}

function printIdentity(r: StatusReport): void {
  if (r.identity) {
    const i = r.identity;
    out(
      `Identity: ${[i.givenName, i.surname].filter(Boolean).join(" ")}${i.profession ? `, ${i.profession}` : ""}${i.structure ? `, ${i.structure}` : ""}`,
    );
    out(`  ${i.idType} ${i.idNumber} (idNat ${i.idNat}), ${i.kind} card, certificate valid until ${i.notAfter}, issuer ${i.issuer}`);
  } else if (r.identityError) out(`Identity: ${r.identityError}`);
}

function printDirectory(d: { source: string; count: number; sourceDate: string | null; stale: boolean } | undefined): void {
  if (d)
    out(
      `Directory: ${d.source === "none" ? "none" : `${d.source}, ${d.count} addresses${d.sourceDate ? `, extraction of ${d.sourceDate}` : ""}${d.stale ? " (older than a week: refresh it)" : ""}`}`,
    );
}
