/**
 * `mss-bridge directory import|search|lookup|status`: work on the index file directly, with or
 * without a running bridge (a running bridge picks up a new index within a minute).
 * Exit codes: 0 ok (zero results included), 2 usage, 3 bad input, 4 I/O.
 */
import { accessSync, constants as fsConstants } from "node:fs";
import { createInterface } from "node:readline";
import path from "node:path";
import type { Command } from "commander";
import cliProgress from "cli-progress";
import { dataPaths, resolveDataDir } from "../config/data-dir.ts";
import { IndexFormatError, openIndexFile } from "../directory/index/index-file.ts";
import { PackedIndex } from "../directory/index/packed-index.ts";
import type { ImportPhase } from "../directory/import/import-extraction.ts";
import { ImportError } from "../directory/import/import-error.ts";
import { runImportInChild } from "../directory/import/run-import.ts";
import { removeStaleTempFiles } from "../directory/offline-directory.ts";
import { loadConfig } from "../config/load-config.ts";
import { MAX_SEARCH_LIMIT, type DirectoryEntry } from "../../shared/domain/directory-entry.ts";
import { ID_NAT_PATTERN } from "../../shared/protocol/schemas.ts";
import { CliError, Exit } from "./common.ts";

interface DbOpts {
  db?: string;
  dataDir?: string;
}

function dbPathOf(o: DbOpts): string {
  if (o.db) return path.resolve(o.db);
  const dataDir = resolveDataDir(o.dataDir ?? null);
  let configured: string | null = null;
  try {
    configured = loadConfig(dataPaths(dataDir).config).directory.dbPath;
  } catch {
    /* a broken config does not stop file commands: use the default location */
  }
  return configured ?? dataPaths(dataDir).directoryIndex;
}

function openIndex(o: DbOpts): PackedIndex {
  const file = dbPathOf(o);
  try {
    return new PackedIndex(openIndexFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new CliError(
        Exit.UNAVAILABLE,
        `No directory index at ${file}. Import the extraction first: mss-bridge directory import <file|zip|url>.`,
      );
    }
    if (e instanceof IndexFormatError)
      throw new CliError(Exit.UNAVAILABLE, `The directory index ${file} is unusable (${e.message}). Import the extraction again.`);
    throw new CliError(Exit.UNAVAILABLE, `Cannot open the directory index ${file}: ${(e as Error).message}`);
  }
}

function parseLimit(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_SEARCH_LIMIT) {
    throw new CliError(Exit.USAGE, `--limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}.`);
  }
  return Number(v);
}

function describe(e: DirectoryEntry): string {
  const what = [e.profession, e.specialty].filter(Boolean).join(", ");
  const where = [e.organisation, [e.postalCode, e.city].filter(Boolean).join(" ")].filter(Boolean).join(", ");
  return `${e.displayName} <${e.email}> [${e.type}]${what ? ` — ${what}` : ""}${where ? ` — ${where}` : ""}`;
}

const PHASE_LABEL: Record<ImportPhase, string> = {
  download: "Downloading",
  parse: "Reading    ",
  index: "Indexing   ",
  done: "Done       ",
  failed: "Failed     ",
};

const detailOf = (p: ImportPhase, done: number) => (p === "index" ? `${done} mailboxes` : `${(done / 1048576).toFixed(1)} MB`);

async function runImport(source: string, o: DbOpts & { quiet?: boolean }): Promise<void> {
  const dbPath = dbPathOf(o);
  try {
    accessSync(path.dirname(path.resolve(dbPath)), fsConstants.W_OK);
  } catch (e) {
    // A machine-wide index shared read-only (directory.dbPath set by IT): its administrator refreshes it.
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return runImportInto(dbPath, source, o);
    throw new CliError(
      Exit.UNAVAILABLE,
      `The directory index ${dbPath} is shared read-only: you cannot write its directory. It is refreshed by IT ` +
        `(mss-bridge directory import --db ${dbPath} <source>, run by an account that can write it).`,
    );
  }
  return runImportInto(dbPath, source, o);
}

async function runImportInto(dbPath: string, source: string, o: DbOpts & { quiet?: boolean }): Promise<void> {
  let config = null;
  try {
    config = loadConfig(dataPaths(resolveDataDir(o.dataDir ?? null)).config);
  } catch {
    /* defaults */
  }
  const showBar = !o.quiet && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    { format: "{phase} [{bar}] {percentage}% {detail}", hideCursor: true, clearOnComplete: false, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let phase: ImportPhase | null = null;
  let phaseTotal: number | null = null;
  const t0 = performance.now();
  // Half of the index being replaced, as the bridge does (a cut file must not replace a good index).
  let minCount = 0;
  try {
    const current = openIndexFile(dbPath);
    minCount = Math.floor(current.meta.count / 2);
    current.close();
  } catch {
    /* no usable index yet */
  }
  // The import runs in its own process, as the bridge's does: this one is capped like the bridge
  // (bin/mss-bridge.mjs's Node flags), which is far too little for parsing a full extraction.
  // A signal to this command stops the import process too (it would otherwise finish alone).
  removeStaleTempFiles(dbPath);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const summary = await runImportInChild(
      {
        source,
        dbPath,
        proxy: config?.network.proxy ?? null,
        extraCaFile: config?.network.extraCaFile ?? null,
        minCount,
        onProgress: (p, done, total) => {
          if (!showBar || p === "failed") return;
          if (p !== phase) {
            if (phase) {
              // The import process sends a few updates a second: a finished phase may not have sent its last figures.
              if (phaseTotal) bar.update(phaseTotal, { detail: detailOf(phase, phaseTotal) });
              bar.stop();
            }
            phase = p;
            phaseTotal = null;
            if (p === "done") return;
            bar.start(total ?? 1, 0, { phase: PHASE_LABEL[p], detail: "" });
          }
          if (total) {
            bar.setTotal(total);
            phaseTotal = total;
          }
          bar.update(total ? done : 0, { phase: PHASE_LABEL[p], detail: detailOf(p, done) });
        },
      },
      stop.signal,
    );
    if (showBar && phase && phase !== "done") bar.stop();
    const m = summary.meta;
    for (const w of m.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(
      `Imported ${m.count} mailboxes (${m.lines} lines) from ${m.sourceName ?? source}` +
        `${m.sourceDate ? `, extraction of ${m.sourceDate}` : ""}, in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `index ${(summary.sizeBytes / 1048576).toFixed(1)} MB at ${dbPath}\n`,
    );
  } catch (e) {
    if (showBar && phase) bar.stop();
    // What a stopped or crashed import process left beside the index.
    removeStaleTempFiles(dbPath);
    if (e instanceof ImportError) {
      throw new CliError(
        e.kind === "input" ? Exit.BAD_INPUT : Exit.UNAVAILABLE,
        `${e.message} The previous directory index (if any) is unchanged.`,
      );
    }
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function searchJson(index: PackedIndex, query: string, limit: number | undefined): string {
  const t = process.hrtime.bigint();
  const r = index.search(query, limit);
  const elapsedUs = Number((process.hrtime.bigint() - t) / 1000n);
  return JSON.stringify({ query, count: r.results.length, elapsedUs, results: r.results });
}

/** `directory search --stdin`: one query per line in, its results (or one JSON line) out. */
async function searchStdin(index: PackedIndex, limit: number | undefined, json: boolean): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (json) process.stdout.write(`${searchJson(index, line, limit)}\n`);
    else {
      const r = index.search(line, limit);
      process.stdout.write(`# ${line}: ${r.results.length} result(s)\n`);
      for (const e of r.results) process.stdout.write(`${describe(e)}\n`);
    }
  }
}

export function registerDirectoryCommands(program: Command): void {
  const dir = program.command("directory").description("the offline MSSanté directory (import, search, lookup)");
  const dbOptions = (c: Command) =>
    c
      .option("--db <path>", "index file (default: <data dir>/directory; a shared machine-wide index works read-only)")
      .option("--data-dir <dir>", "data directory (default: $MSS_BRIDGE_HOME or the per-user data directory)");

  dbOptions(
    dir
      .command("import")
      .description("import the national extraction from a .txt, a .zip containing it, or an http(s) URL")
      .argument("<source>", "Extraction_Correspondance_MSSante_….txt, its .zip, or a URL")
      .option("--quiet", "no progress bar"),
  ).action(async (source: string, o: DbOpts & { quiet?: boolean }) => {
    await runImport(source, o);
  });

  dbOptions(
    dir
      .command("search")
      .description("search every field (name, city, specialty, organisation…); all words must match")
      .argument("[query]", 'what to look for, e.g. "dupont cardio lyon"')
      .option("--stdin", "read one query per line from standard input (one JSON line out per line in)")
      .option("--limit <n>", `results per query (1-${MAX_SEARCH_LIMIT}, default 20)`)
      .option("--json", "JSON output: {query, count, elapsedUs, results}"),
  ).action(async (query: string | undefined, o: DbOpts & { stdin?: boolean; limit?: string; json?: boolean }) => {
    const limit = parseLimit(o.limit);
    if (!o.stdin && (query === undefined || query.trim() === ""))
      throw new CliError(Exit.USAGE, 'Give a query (mss-bridge directory search "dupont lyon") or --stdin.');
    if (o.stdin && query !== undefined) throw new CliError(Exit.USAGE, "Give either a query or --stdin, not both.");
    const index = openIndex(o);
    try {
      if (o.stdin) {
        await searchStdin(index, limit, Boolean(o.json));
        return;
      }
      if (o.json) {
        process.stdout.write(`${searchJson(index, query!, limit)}\n`);
        return;
      }
      const t = process.hrtime.bigint();
      const r = index.search(query!, limit);
      const us = Number((process.hrtime.bigint() - t) / 1000n);
      for (const e of r.results) process.stdout.write(`${describe(e)}\n`);
      process.stderr.write(`${r.results.length} result(s) in ${(us / 1000).toFixed(2)} ms${r.fuzzy ? " (allowing one typo)" : ""}\n`);
    } finally {
      index.close();
    }
  });

  dbOptions(
    dir
      .command("lookup")
      .description("every mailbox of a professional (idNat, or RPPS alone), or the entry of one address")
      .argument("<idNatOrAddress>", "e.g. 810001234567, 10001234567 or jean.dupont@medecin.mssante.fr")
      .option("--json", "JSON output: {query, count, results}"),
  ).action(async (q: string, o: DbOpts & { json?: boolean }) => {
    const key = q.trim();
    const isAddress = key.includes("@");
    // The same identifiers as the protocol's directory.lookupByIdNat (letters included: ADELI 2A/2B).
    if (!isAddress && !new RegExp(ID_NAT_PATTERN).test(key)) {
      throw new CliError(
        Exit.BAD_INPUT,
        `"${q}" is neither an MSSanté address nor a national identifier (idNat such as 8 + RPPS, or an RPPS of 11 digits).`,
      );
    }
    if (isAddress && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(key)) throw new CliError(Exit.BAD_INPUT, `"${q}" is not a valid address.`);
    const index = openIndex(o);
    try {
      const results = isAddress ? [index.lookupByAddress(key)].filter((e): e is DirectoryEntry => e !== null) : index.lookupByIdNat(key);
      if (o.json) process.stdout.write(`${JSON.stringify({ query: q, count: results.length, results })}\n`);
      else if (results.length === 0) process.stderr.write("Not found in the directory.\n");
      else for (const e of results) process.stdout.write(`${describe(e)}\n`);
    } finally {
      index.close();
    }
  });

  dbOptions(dir.command("status").description("the index's source date, age and size").option("--json", "JSON output")).action(
    async (o: DbOpts & { json?: boolean }) => {
      const index = openIndex(o);
      try {
        const m = index.data.meta;
        const ref = Date.parse(m.sourceDate ?? m.builtAt);
        const ageDays = Number.isNaN(ref) ? null : Math.round(((Date.now() - ref) / 86_400_000) * 10) / 10;
        const status = {
          source: "offline",
          sourceDate: m.sourceDate,
          builtAt: m.builtAt,
          count: m.count,
          ageDays,
          stale: ageDays !== null && ageDays > 7,
          file: dbPathOf(o),
          sizeBytes: index.data.sizeBytes,
        };
        if (o.json) process.stdout.write(`${JSON.stringify(status)}\n`);
        else {
          process.stdout.write(
            `${m.count} mailboxes, extraction of ${m.sourceDate ?? "unknown date"}, built ${m.builtAt}, ${ageDays ?? "?"} days old${status.stale ? " (STALE: older than a week)" : ""}\n`,
          );
        }
      } finally {
        index.close();
      }
    },
  );
}
