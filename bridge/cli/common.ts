/** What every `mss-bridge` command shares: exit codes, errors, the data directory and configuration. */
import type { Command } from "commander";
import { resolveDataDir, dataPaths } from "../config/data-dir.ts";
import { type ConfigLayers, loadConfig, loadConfigLayers } from "../config/load-config.ts";
import type { BridgeConfig } from "../config/config.ts";

/** Exit codes (documented in `mss-bridge --help` and docs/protocol.md). */
export const Exit = {
  OK: 0,
  USAGE: 2,
  BAD_INPUT: 3,
  UNAVAILABLE: 4, // I/O error, or the bridge (or a component) is not available
} as const;

/** An error that ends the command with a message for people and an exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function addDataDirOption(cmd: Command): Command {
  return cmd.option("--data-dir <dir>", "data directory (default: $MSS_BRIDGE_HOME or the per-user data directory)");
}

export function dataDirFrom(opts: { dataDir?: string }): string {
  return resolveDataDir(opts.dataDir ?? null);
}

export function configFor(dataDir: string): BridgeConfig {
  return loadConfig(dataPaths(dataDir).config);
}

/** The configuration with where its values come from (the machine file IT may have written, config.json). */
export function configLayersFor(dataDir: string): ConfigLayers {
  return loadConfigLayers(dataPaths(dataDir).config);
}

export function parsePort(v: string): number {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535)
    throw new CliError(Exit.BAD_INPUT, `Invalid port "${v}": give a number from 1 to 65535 (0 picks a free one).`);
  return Number(v);
}

export function parseHostPort(v: string): string {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535 || Number(m[2]) === 0)
    throw new CliError(Exit.BAD_INPUT, `Invalid DNS server "${v}": expected HOST:PORT, e.g. 127.0.0.1:5354.`);
  return v;
}

/** Lines for people go to stdout; diagnostics to stderr. */
export function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}
export function err(line: string): void {
  process.stderr.write(`${line}\n`);
}
