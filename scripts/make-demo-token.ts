/**
 * Command line of the demo card's token maker (bridge/demo/demo-token.ts), re-exporting it:
 *
 *   node --import tsx scripts/make-demo-token.ts <dir> [--json]
 */
import { isMainModule } from "../bridge/platform/is-main-module.ts";
import { makeDemoToken } from "../bridge/demo/demo-token.ts";

export * from "../bridge/demo/demo-token.ts";

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => a !== "--json");
  if (args.length !== 1 || args[0]!.startsWith("-")) {
    process.stderr.write("usage: make-demo-token <dir> [--json]\n");
    return 2;
  }
  const demo = await makeDemoToken(args[0]!);
  if (argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify(demo, null, 2)}\n`);
  } else {
    process.stdout.write(
      [
        "DEMO card token ready (a SoftHSM2 token, not a real CPS):",
        `  holder       ${demo.holder.givenName} ${demo.holder.surname}, ${demo.holder.profession}, idNat ${demo.holder.idNat}`,
        `  token label  ${demo.tokenLabel} (fixed demo PIN, see DEMO_PIN in bridge/demo/demo-token.ts)`,
        `  module       ${demo.modulePath}`,
        `  environment  SOFTHSM2_CONF=${demo.env.SOFTHSM2_CONF}`,
        `  demo CA      ${demo.caCertPem}`,
        "",
      ].join("\n"),
    );
  }
  return 0;
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`make-demo-token: ${e.message}\n`);
      process.exit(4);
    },
  );
}
