/**
 * The main of the single executable (`npm run package`, scripts/package.mjs): the command line,
 * or a child process's code when the first argument names a role (bridge/platform/executable.ts:
 * `fork()` in the executable starts the executable again, with the role instead of a file).
 */
import { provideOnDemandModules, ROLE_ARG_PREFIX } from "./platform/executable.ts";
import type { ChildName } from "./platform/child-entry.ts";

const ROLES: Record<ChildName, () => Promise<unknown>> = {
  "pcsc-child": () => import("./card/pcsc-child.ts"),
  "token-worker": () => import("./token/token-worker.ts"),
  "import-child": () => import("./directory/import/import-child.ts"),
};

async function run(): Promise<void> {
  const first = process.argv[2] ?? "";
  if (first.startsWith(ROLE_ARG_PREFIX)) {
    const role = ROLES[first.slice(ROLE_ARG_PREFIX.length) as ChildName];
    if (!role) {
      process.stderr.write(`mss-bridge: unknown role ${first}\n`);
      process.exit(2);
    }
    process.argv.splice(2, 1); // the child reads its own arguments from argv[2] on, as when forked from a file
    await role();
    return;
  }
  provideOnDemandModules({ demo: () => import("./demo/demo.ts") });
  const { main } = await import("./cli.ts");
  const code = await main(process.argv);
  if (code !== null) {
    // Let stdout drain (status --json, native-host replies) before exiting.
    process.stdout.write("", () => process.exit(code));
  }
}

run().catch((e: unknown) => {
  process.stderr.write(`mss-bridge: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
