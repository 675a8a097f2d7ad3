/**
 * `mss-bridge doctor [--json]`: checks what this PC needs for MSSanté in Thunderbird (Thunderbird's
 * version and channel, no snap or Flatpak, the card's module, the manifests Thunderbird reads, the
 * data directory, the directory index, the configuration) and prints each verdict, OK / ATTENTION /
 * ÉCHEC, in French then English, with what to do. Exit 0 when the PC can work (ATTENTION
 * included), 4 when a check failed.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { type Command, Option } from "commander";
import { machineConfigPath } from "../config/machine-config.ts";
import { packageText } from "../platform/package-root.ts";
import { addDataDirOption, CliError, dataDirFrom, Exit, out } from "./common.ts";
import { canWork } from "./doctor/doctor-checks.ts";
import { type DoctorContext, type DoctorPaths, defaultDoctorPaths, runCommand, runDoctor } from "./doctor/doctor-probes.ts";
import { formatReport } from "./doctor/format-report.ts";
import { supportedMajors } from "./doctor/thunderbird-version.ts";

export function registerDoctorCommand(program: Command, run: (fn: () => Promise<number>) => Promise<void>): void {
  addDataDirOption(
    program
      .command("doctor")
      .description(
        "check this PC for MSSanté: Thunderbird, the card's module, manifests, data, directory, configuration (exit 4 if it cannot work)",
      )
      .option("--json", "machine-readable output")
      // Tests and odd installs: a JSON file overriding where Thunderbird, snap, Flatpak and system manifests are looked for.
      .addOption(new Option("--probe-paths <file>", "JSON object overriding the paths probed").hideHelp()),
  ).action((opts: { json?: boolean; dataDir?: string; probePaths?: string }) =>
    run(async () => doctor(dataDirFrom(opts), Boolean(opts.json), opts.probePaths)),
  );
}

function supported(): { min: number; max: number } {
  const m = JSON.parse(packageText("manifest.json")) as {
    browser_specific_settings: { gecko: { strict_min_version: string; strict_max_version: string } };
  };
  const g = m.browser_specific_settings.gecko;
  return supportedMajors(g.strict_min_version, g.strict_max_version);
}

function probePaths(file: string | undefined, defaults: DoctorPaths): DoctorPaths {
  if (!file) return defaults;
  let over: unknown;
  try {
    over = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CliError(Exit.BAD_INPUT, `Cannot read --probe-paths ${file}: ${(e as Error).message}`);
  }
  if (over === null || typeof over !== "object" || Array.isArray(over))
    throw new CliError(Exit.BAD_INPUT, `--probe-paths ${file}: a JSON object is expected.`);
  const out = { ...defaults };
  for (const [k, v] of Object.entries(over)) {
    if (!(k in defaults)) throw new CliError(Exit.BAD_INPUT, `--probe-paths ${file}: unknown key "${k}".`);
    const want = typeof defaults[k as keyof DoctorPaths];
    const okType = want === "string" ? typeof v === "string" : Array.isArray(v) && v.every((x) => typeof x === "string");
    if (!okType)
      throw new CliError(
        Exit.BAD_INPUT,
        `--probe-paths ${file}: "${k}" must be ${want === "string" ? "a string" : "an array of strings"}.`,
      );
    (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

async function doctor(dataDir: string, json: boolean, pathsFile: string | undefined): Promise<number> {
  const home = os.homedir();
  const ctx: DoctorContext = {
    platform: process.platform,
    arch: process.arch,
    home,
    env: process.env,
    dataDir,
    machineConfigFile: machineConfigPath(),
    now: Date.now,
    run: runCommand,
    paths: probePaths(pathsFile, defaultDoctorPaths(process.platform, home, process.env)),
    supported: supported(),
  };
  const checks = runDoctor(ctx);
  const works = canWork(checks);
  if (json) out(JSON.stringify({ canWork: works, checks }, null, 2));
  else for (const line of formatReport(checks)) out(line);
  return works ? Exit.OK : Exit.UNAVAILABLE;
}
