/**
 * Surnames with particles (`npm run bench:particles [-- --lines N] [--rounds N] [--queries N] [--keep DIR]`).
 * On a generated extraction (full size by default: 536,000 lines, the seed of bench:directory), with
 * the index imported as the bridge imports it (`--keep DIR` keeps both, and a later run with the same
 * `--keep DIR` reuses them):
 *  - the queries: "surname given name" typed in full, lower case without accents, for generated
 *    people whose surname has a particle or two letters (the generator's PARTICLE_SURNAMES, the
 *    bare colliding names left out), up to `--queries` distinct pairs; and as many ordinary ones
 *    (the same typed for people with any other surname), to see the cost where nothing changes;
 *  - recall: a hit is any entry with exactly that surname and given name (folded) among the first 5;
 *    target ≥ 99% for the particle names;
 *  - latency of the search call, in a child process with the bridge's Node flags, the ranking with
 *    typed runs of words matched to whole names against the previous ranking
 *    (`search(q, k, {phrases: false})`), in `--rounds` interleaved rounds (the order alternates):
 *    p50/p95 per round, the median round is the figure; target: no more than 10% slower.
 * Figures are printed (a table, then one JSON line, latencies in microseconds); nothing is asserted.
 */
import { fork } from "node:child_process";
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeExtraction, FULL_SIZE_LINES } from "../generate-directory.ts";
import { importExtraction } from "../../bridge/directory/import/import-extraction.ts";
import { ALL_COLUMNS } from "../../bridge/directory/import/columns.ts";
import { openIndexFile } from "../../bridge/directory/index/index-file.ts";
import { PackedIndex } from "../../bridge/directory/index/packed-index.ts";
import { foldText } from "../../bridge/directory/search/normalize.ts";
import { PARTICLE_SURNAMES } from "../../bridge/demo/generator/words.ts";
import { BRIDGE_NODE_FLAGS } from "../../bridge/app/node-flags.ts";
import { percentiles } from "./bridge-process-stats.ts";

const SELF = fileURLToPath(import.meta.url);
/** The bare names drawn only to collide with the particle names (words.ts): not particle names. */
const BARE = new Set(["goff", "ali", "damme", "amrani", "laroche", "legoff"]);
const TOP = 5;
const LIMIT = 20;

interface Query {
  q: string;
  surname: string;
  given: string;
}

interface ModeRound {
  p50: number;
  p95: number;
}

interface ChildResult {
  recall: Record<string, { hits: number; n: number; misses: string[] }>;
  rounds: Record<string, ModeRound[]>;
}

const MODES = ["previous", "phrases"] as const;
type Mode = (typeof MODES)[number];

/** "surname given" pairs of the file's personal mailboxes: particle names and the others. */
async function collectQueries(file: string, max: number): Promise<{ particle: Query[]; ordinary: Query[] }> {
  const iType = ALL_COLUMNS.indexOf("Type de BAL");
  const iSurname = ALL_COLUMNS.indexOf("Nom d'exercice");
  const iGiven = ALL_COLUMNS.indexOf("Prénom d'exercice");
  // As written (folded): LE ROUX is a particle name, LEROUX (a common surname of its own) is not.
  const particleNames = new Set(PARTICLE_SURNAMES.map(([s]) => foldText(s)).filter((s) => !BARE.has(s)));
  const particle = new Map<string, Query>();
  const ordinary = new Map<string, Query>();
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    if (n++ === 0) continue;
    const f = line.split("|");
    if (f[iType] !== "PER") continue;
    const surname = f[iSurname] ?? "";
    const given = f[iGiven] ?? "";
    if (!surname || !given) continue;
    const q = foldText(`${surname} ${given}`);
    const isParticle = particleNames.has(foldText(surname));
    const into = isParticle ? particle : ordinary;
    // Ordinary names: a spread sample (every 13th line), so both sets cover the whole file.
    if (!isParticle && n % 13 !== 0) continue;
    if (!into.has(q)) into.set(q, { q, surname: foldText(surname), given: foldText(given) });
  }
  const spread = (m: Map<string, Query>) => {
    const all = [...m.values()];
    const step = Math.max(1, all.length / max);
    const out: Query[] = [];
    for (let i = 0; out.length < max && Math.floor(i) < all.length; i += step) out.push(all[Math.floor(i)]!);
    return out;
  };
  const p = spread(particle);
  return { particle: p, ordinary: spread(ordinary).slice(0, p.length) };
}

function child(db: string, queriesFile: string, rounds: number): void {
  const sets = JSON.parse(readFileSync(queriesFile, "utf8")) as Record<string, Query[]>;
  const idx = new PackedIndex(openIndexFile(db));
  const opts = (m: Mode) => (m === "previous" ? { phrases: false } : {});
  const recall: ChildResult["recall"] = {};
  for (const [set, queries] of Object.entries(sets)) {
    for (const m of MODES) {
      let hits = 0;
      const misses: string[] = [];
      for (const x of queries) {
        const top = idx.search(x.q, LIMIT, opts(m)).results.slice(0, TOP);
        if (top.some((r) => foldText(r.surname ?? "") === x.surname && foldText(r.givenName ?? "") === x.given)) hits++;
        else if (misses.length < 10) misses.push(x.q);
      }
      recall[`${set}/${m}`] = { hits, n: queries.length, misses };
    }
  }
  const out: ChildResult["rounds"] = {};
  // A warm-up pass in both modes, then the measured rounds, the order alternating.
  for (const queries of Object.values(sets)) for (const m of MODES) for (const x of queries) idx.search(x.q, LIMIT, opts(m));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? MODES : [...MODES].reverse();
    for (const [set, queries] of Object.entries(sets)) {
      for (const m of order) {
        const times: number[] = [];
        for (const x of queries) {
          const t0 = performance.now();
          idx.search(x.q, LIMIT, opts(m));
          times.push((performance.now() - t0) * 1000);
        }
        const p = percentiles(times);
        const key = `${set}/${m}`;
        out[key] = [...(out[key] ?? []), { p50: p.p50, p95: p.p95 }];
      }
    }
  }
  idx.close();
  process.send?.({ recall, rounds: out } satisfies ChildResult);
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const c = fork(SELF, args, { execArgv: [...BRIDGE_NODE_FLAGS, ...process.execArgv], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let result: ChildResult | null = null;
    c.on("message", (m) => {
      result = m as ChildResult;
    });
    c.on("error", reject);
    c.on("exit", (code) => (result ? resolve(result) : reject(new Error(`benchmark child exited with ${code}`))));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const ms = (us: number) => (us / 1000).toFixed(3);

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--child") return child(argv[1]!, argv[2]!, Number(argv[3]));
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const lines = Number(arg("--lines") ?? FULL_SIZE_LINES);
  const rounds = Number(arg("--rounds") ?? 5);
  const max = Number(arg("--queries") ?? 2000);
  const keep = arg("--keep");
  const work = keep ?? mkdtempSync(path.join(tmpdir(), "mss-bench-particles-"));
  const log = (s: string) => process.stdout.write(`${s}\n`);
  try {
    const db = path.join(work, "directory");
    const queriesFile = path.join(work, "queries.json");
    let sets: { particle: Query[]; ordinary: Query[] };
    if (keep && existsSync(db) && existsSync(queriesFile)) {
      sets = JSON.parse(readFileSync(queriesFile, "utf8")) as typeof sets;
      log(`reusing the index and queries kept in ${work}`);
    } else {
      log(`generating ${lines} lines (seed 2026, as bench:directory)…`);
      const gen = await writeExtraction(path.join(work, "src"), { lines, seed: 2026 });
      sets = await collectQueries(gen.file, max);
      log(`importing… (${sets.particle.length} particle queries, ${sets.ordinary.length} ordinary ones)`);
      await importExtraction({ source: gen.file, dbPath: db });
      writeFileSync(queriesFile, JSON.stringify(sets));
    }
    const res = await runChild(["--child", db, queriesFile, String(rounds)]);
    log("");
    log(`search call, node ${BRIDGE_NODE_FLAGS.join(" ")}, limit ${LIMIT}, ${rounds} interleaved rounds (median round; min–max of p95)`);
    const figures: Record<string, unknown> = {};
    for (const set of Object.keys(sets)) {
      const line: Record<Mode, { recall: number; p50: number; p95: number }> = {} as never;
      for (const m of MODES) {
        const rec = res.recall[`${set}/${m}`]!;
        const rs = res.rounds[`${set}/${m}`]!;
        const p50 = median(rs.map((r) => r.p50));
        const p95 = median(rs.map((r) => r.p95));
        line[m] = { recall: rec.hits / rec.n, p50, p95 };
        const p95s = rs.map((r) => r.p95);
        log(
          `  ${set.padEnd(8)} ${m.padEnd(8)} recall@${TOP} ${((100 * rec.hits) / rec.n).toFixed(2)}% (${rec.hits}/${rec.n})  p50 ${ms(p50)} ms  p95 ${ms(p95)} ms (${ms(Math.min(...p95s))}–${ms(Math.max(...p95s))})`,
        );
        if (m === "phrases" && rec.misses.length) log(`           misses, first ones: ${rec.misses.join(" · ")}`);
      }
      const r50 = line.phrases.p50 / line.previous.p50;
      const r95 = line.phrases.p95 / line.previous.p95;
      log(
        `  ${set.padEnd(8)} phrases / previous: p50 ${r50.toFixed(2)}×, p95 ${r95.toFixed(2)}×${set === "particle" ? `  (target ≤ 1.10×: ${r50 <= 1.1 && r95 <= 1.1 ? "ok" : "MISSED"})` : ""}`,
      );
      if (set === "particle") log(`  particle recall target ≥ 99%: ${line.phrases.recall >= 0.99 ? "ok" : "MISSED"}`);
      figures[set] = { ...line, ratioP50: r50, ratioP95: r95 };
    }
    log(
      JSON.stringify({ lines, rounds, top: TOP, limit: LIMIT, nodeFlags: BRIDGE_NODE_FLAGS, ...figures } satisfies Record<string, unknown>),
    );
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
