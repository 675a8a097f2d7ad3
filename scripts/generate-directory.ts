/**
 * Command line of the directory generator (bridge/demo/generator/: word tables, geography,
 * mailboxes, the extraction writer), re-exporting it for the tests and benchmarks:
 *
 *   node --import tsx scripts/generate-directory.ts [--lines N] [--seed S] [--out DIR]
 *        [--date AAAAMMJJhhmm] [--zip] [--fixtures FILE.json]
 */
import { readFileSync } from "node:fs";
import { isMainModule } from "../bridge/platform/is-main-module.ts";
import { extractionStamp, FULL_SIZE_LINES, writeExtraction, type FixtureEntry } from "../bridge/demo/generator/extraction.ts";

export * from "../bridge/demo/generator/extraction.ts";

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes("--help")) {
    process.stdout.write(
      "usage: generate-directory [--lines N] [--seed S] [--out DIR] [--date AAAAMMJJhhmm (UTC; default: now)] [--zip] [--fixtures FILE.json]\n",
    );
    return;
  }
  const lines = arg("--lines") === "full" ? FULL_SIZE_LINES : Number(arg("--lines") ?? 2000);
  const seed = Number(arg("--seed") ?? 1);
  if (!Number.isFinite(lines) || lines < 0 || !Number.isFinite(seed)) {
    process.stderr.write("--lines and --seed must be numbers\n");
    process.exit(2);
  }
  const date = arg("--date") ?? extractionStamp(new Date());
  if (!/^\d{12}$/.test(date)) {
    process.stderr.write("--date must be AAAAMMJJhhmm\n");
    process.exit(2);
  }
  const fixturesFile = arg("--fixtures");
  const fixtures = fixturesFile ? (JSON.parse(readFileSync(fixturesFile, "utf8")) as FixtureEntry[]) : [];
  const res = await writeExtraction(arg("--out") ?? ".", { lines, seed, date, fixtures, zip: argv.includes("--zip") });
  process.stdout.write(`${res.file} (${res.lines} lines with header, ${res.bytes} bytes of text)\n`);
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
