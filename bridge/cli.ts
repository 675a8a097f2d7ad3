/**
 * mss-bridge: the MSSanté bridge's command line.
 * Exit codes: 0 ok, 2 usage, 3 bad input, 4 I/O error or bridge/component unavailable.
 */
import { Command, CommanderError } from "commander";
import { BridgeError } from "../shared/protocol/errors.ts";
import { BRIDGE_VERSION } from "./app/version.ts";
import { registerDirectoryCommands } from "./cli/directory-commands.ts";
import { registerTrustCommands } from "./cli/trust-commands.ts";
import { CliError, dataDirFrom, err, Exit } from "./cli/common.ts";
import { nativeHostInvocation } from "./cli/native-invocation.ts";
import { registerStartCommand } from "./cli/start.ts";
import { registerStatusCommand } from "./cli/status.ts";
import { registerPairCommands } from "./cli/pair.ts";
import { registerInstallCommands } from "./cli/install.ts";
import { registerNativeHostCommand } from "./cli/native-host.ts";
import { registerHostedBridgeCommand } from "./cli/hosted-bridge.ts";
import { registerDoctorCommand } from "./cli/doctor.ts";
import { registerXdmCommands } from "./cli/xdm-commands.ts";

export async function buildProgram(onResult: (code: number | null) => void): Promise<Command> {
  const program = new Command()
    .name("mss-bridge")
    .description("MSSanté bridge: the CPS card, the national directory and the trust space for the MSSanté Thunderbird extension")
    .version(BRIDGE_VERSION)
    .showHelpAfterError()
    .addHelpText(
      "after",
      "\nExit codes: 0 ok, 2 usage, 3 bad input, 4 I/O error or bridge unavailable.\nEvery command takes --data-dir DIR (default: $MSS_BRIDGE_HOME, else the per-user data directory).",
    )
    .exitOverride();

  const run = async (fn: () => Promise<number | null>) => {
    try {
      onResult(await fn());
    } catch (e) {
      onResult(report(e));
    }
  };
  registerStartCommand(program, run);
  registerStatusCommand(program, run);
  registerPairCommands(program, run);
  registerInstallCommands(program, run);
  registerNativeHostCommand(program, run, dataDirFrom);
  registerHostedBridgeCommand(program, run);
  registerDoctorCommand(program, run);
  registerXdmCommands(program, run);

  // Commands of the directory and trust parts (they handle their own options and exit codes).
  registerDirectoryCommands(program);
  registerTrustCommands(program);
  return program;
}

function report(e: unknown): number {
  if (e instanceof CliError) {
    err(`mss-bridge: ${e.message}`);
    return e.exitCode;
  }
  if (e instanceof BridgeError) {
    err(`mss-bridge: ${e.message}`);
    return Exit.UNAVAILABLE;
  }
  const code = (e as NodeJS.ErrnoException)?.code;
  err(`mss-bridge: ${(e as Error)?.message ?? String(e)}`);
  return typeof code === "string" && /^E[A-Z]+$/.test(code) ? Exit.UNAVAILABLE : 1;
}

/**
 * Runs the command line. Resolves with the exit code, or null when the command keeps running
 * (`start`): the caller then leaves the process alive.
 */
export async function main(argv: string[]): Promise<number | null> {
  let result: number | null | undefined;
  const program = await buildProgram((c) => {
    result = c;
  });
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return Exit.USAGE;
  }
  const asHost = nativeHostInvocation(argv.slice(2));
  if (asHost) argv = [...argv.slice(0, 2), ...asHost];
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return Exit.OK;
      // Help asked for (`mss-bridge help`) exits 0; help shown because a subcommand is missing
      // (`mss-bridge directory`) comes with a non-zero exit code from commander: a usage error.
      if (e.code === "commander.help") return e.exitCode === 0 ? Exit.OK : Exit.USAGE;
      return Exit.USAGE;
    }
    return report(e);
  }
  if (result === undefined) {
    // Other parts' commands (directory, trust) set process.exitCode themselves.
    return typeof process.exitCode === "number" ? process.exitCode : Exit.OK;
  }
  return result;
}
