/**
 * Directory benchmark (`npm run bench:directory [-- --lines N] [--queries N] [--runs N] [--keep DIR]`).
 * On a generated extraction (full size: 536,000 lines) and one set of realistic queries (3–6 letter
 * prefixes of real surnames, name + city, name + specialty; 1,500 by default), in the same run:
 *  - the packed index, import: time (in its own process, as the bridge does, run from the bundle
 *    that ships: dist/bridge/import-child.mjs and its worker threads; target ≤ 8 s), the import
 *    process's peak RSS, and size on disk; the same from a ZIP of the same text (the official
 *    download's form: the daily refresh). Imports are run in `--runs` rounds (3 by default), each
 *    round one packed import from the text, one from the ZIP and one FTS5 import, so that all meet
 *    the same moments of a shared machine; the median is the figure, min and max are printed, and
 *    each round's CPU time (a busy host shows as more CPU for the same work);
 *  - the packed index, search call: a child process of this benchmark (tsx, from the sources, with
 *    the bridge's Node flags) loads the index and times `search()` itself, one box over all fields,
 *    twice over the queries after a warm-up round: p50/p95/p99 of the call (the targets p95 ≤ 2 ms,
 *    p99 ≤ 5 ms are about this). Its RSS is printed too, labelled as what it is: the benchmark's
 *    process, not the bridge;
 *  - the bridge: the REAL bridge process (the esbuild bundle dist/bridge/, built first, started as it
 *    ships by `mss-bridge start --db <the index>` with the Node flags of bridge/app/node-flags.ts),
 *    paired through the native-messaging host; one authenticated client sends every query as
 *    `directory.search` over the WebSocket, one after another (a warm-up round, then a measured
 *    round): the round-trip latency p50/p95/p99 seen by the client, and the bridge's peak RSS with
 *    the directory loaded (VmHWM from /proc at the end: the true peak; target ≤ 150 MB), beside its
 *    RSS just started and sampled every 250 ms as `npm run bench:load` does;
 *  - a plain SQLite FTS5 table (better-sqlite3, unicode61 without diacritics, the approach of the
 *    best open tool): the same import and a comparable single-field (surname) prefix query;
 *  - ratios FTS5 / packed.
 * Figures are printed (a table, then one JSON line, latencies in microseconds); nothing is asserted.
 */
import { fork } from "node:child_process";
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir, loadavg, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeExtraction, FULL_SIZE_LINES } from "../generate-directory.ts";
import { IMPORT_CHILD_FLAGS, runImportInChild } from "../../bridge/directory/import/run-import.ts";
import { bundledChildEntry } from "../../bridge/platform/child-entry.ts";
import { ALL_COLUMNS } from "../../bridge/directory/import/columns.ts";
import { foldText } from "../../bridge/directory/search/normalize.ts";
import { BRIDGE_NODE_FLAGS } from "../../bridge/app/node-flags.ts";
import { buildBridge } from "../build-bridge.mjs";
import type { TestClient } from "../../test/harness/bridge-process.ts";
import { ORIGINS, type HardenedBridge } from "../../test/hardening/hardened-bridge.ts";
import {
  connectClients,
  peakRssMB,
  percentiles,
  rssMB,
  sampleRss,
  startShippedBridge,
  stopShippedBridge,
  type Percentiles,
} from "./bridge-process-stats.ts";

const SELF = fileURLToPath(import.meta.url);

/** Latency percentiles, in microseconds. */
type Latency = Percentiles;

const ms = (us: number) => (us / 1000).toFixed(3);
const ok = (x: boolean) => (x ? "ok" : "MISSED");
/** The issue's targets. */
const TARGET = { importMs: 8000, searchP95Ms: 2, searchP99Ms: 5, bridgePeakRssMB: 150 };

/** The run whose figure is the median (the lower middle one for an even count). */
function median<T>(runs: T[], by: (x: T) => number): T {
  return [...runs].sort((a, b) => by(a) - by(b))[Math.floor((runs.length - 1) / 2)]!;
}

// ---- realistic queries, drawn deterministically from the extraction itself ----------------------
async function buildQueries(file: string, count: number): Promise<{ all: string[]; surnamePrefixes: string[] }> {
  const col = (n: string) => ALL_COLUMNS.indexOf(n as (typeof ALL_COLUMNS)[number]);
  const iSurname = col("Nom d'exercice");
  const iCity = col("L6LIGNEACHEMINEMENT structure BAL");
  const iSkill = col("Libellé savoir-faire");
  const people: { surname: string; city: string; skill: string }[] = [];
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    if (n++ === 0) continue;
    if (n % 97 !== 0) continue; // a spread sample
    const f = line.split("|");
    const surname = foldText(f[iSurname] ?? "")
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length >= 3)[0];
    if (!surname) continue;
    const city =
      foldText((f[iCity] ?? "").replace(/^\d+\s*/, ""))
        .split(/[^a-z0-9]+/)
        .filter((w) => w.length >= 3)[0] ?? "";
    const skill =
      foldText(f[iSkill] ?? "")
        .split(/[^a-z0-9]+/)
        .filter((w) => w.length >= 4)[0] ?? "";
    people.push({ surname, city, skill });
  }
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = () => people[Math.floor(rnd() * people.length)]!;
  const prefix = (w: string) => w.slice(0, Math.min(w.length, 3 + Math.floor(rnd() * 4)));
  const third = Math.ceil(count / 3);
  const surnamePrefixes: string[] = [];
  const withCity: string[] = [];
  const withSkill: string[] = [];
  while (surnamePrefixes.length < third) surnamePrefixes.push(prefix(pick().surname));
  while (withCity.length < third) {
    const p = pick();
    if (p.city) withCity.push(`${prefix(p.surname)} ${p.city.slice(0, 3 + Math.floor(rnd() * 4))}`);
  }
  let guard = 0;
  while (withSkill.length < third && guard++ < third * 50) {
    const p = pick();
    if (p.skill) withSkill.push(`${prefix(p.surname)} ${p.skill.slice(0, 4 + Math.floor(rnd() * 3))}`);
  }
  return { all: [...surnamePrefixes, ...withCity, ...withSkill], surnamePrefixes };
}

// ---- child processes: a process with the directory loaded, and the FTS5 comparison ----------------
async function childPacked(db: string, queriesFile: string): Promise<void> {
  const { OfflineDirectory } = await import("../../bridge/directory/offline-directory.ts");
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const dir = new OfflineDirectory({ dbPath: db, extractionSource: "unused", readOnly: true });
  const idx = dir.packed;
  if (!idx) throw new Error(dir.lastError ?? "no index");
  const loadMs = performance.now() - t0;
  const { all, surnamePrefixes } = JSON.parse(readFileSync(queriesFile, "utf8")) as { all: string[]; surnamePrefixes: string[] };
  let results = 0;
  for (const q of all) results += idx.search(q).results.length; // warm-up (JIT, page cache)
  const time = (qs: string[]) => {
    const us: number[] = [];
    for (let round = 0; round < 2; round++) {
      for (const q of qs) {
        const t = process.hrtime.bigint();
        idx.search(q);
        us.push(Number(process.hrtime.bigint() - t) / 1000);
      }
    }
    return percentiles(us);
  };
  const allFields = time(all);
  const single = time(surnamePrefixes);
  const peakRssKb = process.resourceUsage().maxRSS;
  process.send?.({ loadMs, rssBefore, rssAfter: process.memoryUsage().rss, peakRssKb, allFields, single, results: results / all.length });
  await dir.close();
}

async function childFts5(extraction: string, dbFile: string, queriesFile: string): Promise<void> {
  const Database = (await import("better-sqlite3")).default;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const db = new Database(dbFile);
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.exec(
    "CREATE VIRTUAL TABLE annuaire USING fts5(type, mail, nom, prenom, profession, savoirfaire, structure, service, adresse, ville, cp, dept, tokenize = 'unicode61 remove_diacritics 2')",
  );
  const insert = db.prepare("INSERT INTO annuaire VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  const ix = (n: string) => ALL_COLUMNS.indexOf(n as (typeof ALL_COLUMNS)[number]);
  const cols = [
    "Type de BAL",
    "Adresse BAL",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Libellé Profession",
    "Libellé savoir-faire",
    "Raison Sociale structure BAL",
    "Service de rattachement",
    "L4LIBELLEVOIE structure BAL",
    "L6LIGNEACHEMINEMENT structure BAL",
    "Code postal structure BAL",
    "Département structure BAL",
  ].map(ix);
  const rl = createInterface({ input: createReadStream(extraction), crlfDelay: Infinity });
  let batch: string[][] = [];
  const flush = db.transaction((rows: string[][]) => {
    for (const r of rows) insert.run(r);
  });
  let first = true;
  for await (const line of rl) {
    if (first) {
      first = false;
      continue;
    }
    const f = line.split("|");
    batch.push(cols.map((i) => f[i] ?? ""));
    if (batch.length >= 10_000) {
      flush(batch);
      batch = [];
    }
  }
  flush(batch);
  db.close();
  const importMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const sizeBytes = statSync(dbFile).size;
  const ro = new Database(dbFile, { readonly: true });
  const q = ro.prepare("SELECT rowid, nom, prenom, mail, ville FROM annuaire WHERE annuaire MATCH ? LIMIT 20");
  const { surnamePrefixes } = JSON.parse(readFileSync(queriesFile, "utf8")) as { surnamePrefixes: string[] };
  const match = (p: string) => `nom : "${p.replace(/"/g, "")}"*`;
  for (const p of surnamePrefixes) q.all(match(p));
  const us: number[] = [];
  for (let round = 0; round < 2; round++) {
    for (const p of surnamePrefixes) {
      const t = process.hrtime.bigint();
      q.all(match(p));
      us.push(Number(process.hrtime.bigint() - t) / 1000);
    }
  }
  process.send?.({
    importMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    sizeBytes,
    single: percentiles(us),
    peakRssKb: process.resourceUsage().maxRSS,
  });
  ro.close();
}

// ---- the real bridge process, over the WebSocket ---------------------------------------------------
interface BridgeRun {
  pid: number;
  /** VmHWM at the end: the highest RSS the bridge process ever had. */
  peakRssMB: number;
  /** RSS just after it started and was paired, before any search. */
  idleRssMB: number;
  /** Highest RSS sampled every 250 ms during the searches, and the RSS at the end. */
  sampledMaxRssMB: number;
  endRssMB: number;
  /** Client-side round trip of `directory.search`, over the WebSocket (µs). */
  roundTrip: Latency;
  sent: number;
  errors: Record<string, number>;
  alive: boolean;
}

async function measureBridge(dataDir: string, db: string, queries: string[], log: (s: string) => void): Promise<BridgeRun> {
  let b: HardenedBridge | null = null;
  const clients: TestClient[] = [];
  try {
    b = await startShippedBridge({
      dataDir,
      args: ["--db", db],
      // One client sending back to back goes faster than anyone types: the per-connection limit
      // (50 requests a second) would refuse most of it. Raised for this run only; it changes what
      // is refused, not what a search costs or what the bridge holds in memory.
      config: { limits: { requestsPerSecond: 1_000_000 } },
    });
    const secret = await b.pair(ORIGINS.post);
    const pid = b.pid;
    const idleRssMB = rssMB(pid);
    const sampler = sampleRss(pid);
    try {
      const [c] = await connectClients(b, secret, 1);
      clients.push(c!);
      const errors: Record<string, number> = {};
      const round = async (record: boolean) => {
        const us: number[] = [];
        for (const query of queries) {
          const t = process.hrtime.bigint();
          try {
            const r = await c!.call<{ results: unknown[] }>("directory.search", { query });
            if (!Array.isArray(r?.results)) throw new Error("invalid result");
            us.push(Number(process.hrtime.bigint() - t) / 1000);
          } catch (e) {
            const k = (e as { code?: number }).code !== undefined ? `code ${(e as { code: number }).code}` : (e as Error).message;
            if (record) errors[k] = (errors[k] ?? 0) + 1;
          }
        }
        return us;
      };
      log(`bridge (pid ${pid}): ${queries.length} directory.search requests, warm-up round …`);
      await round(false);
      log(`bridge (pid ${pid}): measured round …`);
      const us = await round(true);
      const endRssMB = rssMB(pid);
      return {
        pid,
        peakRssMB: peakRssMB(pid),
        idleRssMB,
        sampledMaxRssMB: sampler.max(),
        endRssMB,
        roundTrip: percentiles(us),
        sent: queries.length,
        errors,
        alive: b.alive(),
      };
    } finally {
      sampler.stop();
    }
  } finally {
    await stopShippedBridge(b, clients);
  }
}

function runChild<T>(args: string[], nodeFlags: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, args, { execArgv: [...nodeFlags, ...process.execArgv], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let result: T | null = null;
    child.on("message", (m) => (result = m as T));
    child.on("error", reject);
    child.on("exit", (code) => (result ? resolve(result) : reject(new Error(`benchmark child ${args[1]} exited with ${code}`))));
  });
}

// ---- main -----------------------------------------------------------------------------------------
async function main(argv: string[]): Promise<void> {
  const arg = (n: string) => {
    const i = argv.indexOf(n);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv[0] === "--child") {
    if (argv[1] === "packed") return childPacked(argv[2]!, argv[3]!);
    if (argv[1] === "fts5") return childFts5(argv[2]!, argv[3]!, argv[4]!);
    throw new Error("unknown child");
  }
  const lines = Number(arg("--lines") ?? FULL_SIZE_LINES);
  const nQueries = Number(arg("--queries") ?? 1500);
  const runs = Number(arg("--runs") ?? 3);
  if (!Number.isInteger(lines) || lines < 100 || !Number.isInteger(nQueries) || nQueries < 3 || !Number.isInteger(runs) || runs < 1) {
    process.stderr.write("usage: bench:directory [--lines N>=100] [--queries N>=3] [--runs N>=1] [--keep DIR]\n");
    process.exit(2);
  }
  const work = arg("--keep") ?? mkdtempSync(path.join(tmpdir(), "mss-bench-directory-"));
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`Directory benchmark: ${lines} lines, ${nQueries} queries; ${cpus().length} CPU(s), load average ${loadavg()[0]!.toFixed(2)}`);
  try {
    const tg = performance.now();
    const gen = await writeExtraction(path.join(work, "src"), { lines, seed: 2026 });
    log(`generated ${gen.file} (${(gen.bytes / 1048576).toFixed(1)} MB) in ${((performance.now() - tg) / 1000).toFixed(1)} s`);
    const { all, surnamePrefixes } = await buildQueries(gen.file, nQueries);
    const queriesFile = path.join(work, "queries.json");
    writeFileSync(queriesFile, JSON.stringify({ all, surnamePrefixes }));

    // Interleaved rounds, so that the packed imports (from the text and from a ZIP of it, the
    // official download's form) and the FTS5 baseline meet the same moments of a shared machine:
    // each round runs one of each. The packed index is imported in its own process, as the bridge
    // does, from the bundle that ships (dist/bridge/import-child.mjs and its worker threads),
    // built first from the current sources.
    await buildBridge();
    const zipped = await writeExtraction(path.join(work, "zip"), { lines, seed: 2026, zip: true });
    const zipBytes = statSync(zipped.file).size;
    const db = path.join(work, "directory");
    type FtsRun = { importMs: number; cpuMs: number; sizeBytes: number; single: Latency; peakRssKb: number };
    const imports: { ms: number; withSpawnMs: number; cpuMs: number; peakRssBytes: number }[] = [];
    const zipImports: number[] = [];
    const ftsRuns: FtsRun[] = [];
    let imp: Awaited<ReturnType<typeof runImportInChild>> | null = null;
    for (let i = 0; i < runs; i++) {
      const ti = performance.now();
      imp = await runImportInChild({ source: gen.file, dbPath: db }, undefined, bundledChildEntry("import-child", ...IMPORT_CHILD_FLAGS));
      // elapsedMs: inside the import process, like the FTS5 figure
      imports.push({ ms: imp.elapsedMs, withSpawnMs: performance.now() - ti, cpuMs: imp.cpuMs, peakRssBytes: imp.peakRssBytes });
      const z = await runImportInChild(
        { source: zipped.file, dbPath: path.join(work, "directory-from-zip") },
        undefined,
        bundledChildEntry("import-child", ...IMPORT_CHILD_FLAGS),
      );
      zipImports.push(z.elapsedMs);
      rmSync(path.join(work, "fts5.sqlite"), { force: true });
      const f = await runChild<FtsRun>(["--child", "fts5", gen.file, path.join(work, "fts5.sqlite"), queriesFile]);
      ftsRuns.push(f);
      log(
        `round ${i + 1}/${runs}: import ${(imp.elapsedMs / 1000).toFixed(2)} s (CPU ${(imp.cpuMs / 1000).toFixed(2)} s), ` +
          `from the ZIP ${(z.elapsedMs / 1000).toFixed(2)} s, FTS5 ${(f.importMs / 1000).toFixed(2)} s (CPU ${(f.cpuMs / 1000).toFixed(2)} s)`,
      );
    }
    const med = median(imports, (x) => x.ms);
    const importMs = med.ms;
    const zipImportMs = median(zipImports, (x) => x);
    const fts = median(ftsRuns, (x) => x.importMs);
    const size = statSync(db).size;
    type PackedRun = {
      loadMs: number;
      rssBefore: number;
      rssAfter: number;
      peakRssKb: number;
      allFields: Latency;
      single: Latency;
      results: number;
    };
    // The search call, in a child of this benchmark with the bridge's Node flags (its heap is
    // limited as the bridge's is); its RSS is the benchmark process's (tsx, sources), not the bridge's.
    const packed = await runChild<PackedRun>(["--child", "packed", db, queriesFile], [...BRIDGE_NODE_FLAGS]);

    // The real bridge process with the same index, over the WebSocket.
    const bridge = await measureBridge(path.join(work, "bridge-data"), db, all, log);

    const spread = (xs: number[]) =>
      xs.length > 1 ? ` (${runs} runs: min ${(Math.min(...xs) / 1000).toFixed(2)}, max ${(Math.max(...xs) / 1000).toFixed(2)} s)` : "";

    const mb = (b: number) => (b / 1048576).toFixed(1);
    log("");
    log(`packed index (one box, all fields)`);
    const importOk = importMs <= TARGET.importMs;
    log(
      `  import            ${(importMs / 1000).toFixed(2)} s wall, median${spread(imports.map((x) => x.ms))} (process CPU ${(med.cpuMs / 1000).toFixed(2)} s; ${(med.withSpawnMs / 1000).toFixed(2)} s with the process start), ${imp!.meta.count} mailboxes from ${imp!.meta.lines} lines (target ≤ ${TARGET.importMs / 1000} s) [${ok(importOk)}]`,
    );
    log(
      `  import from the ZIP (${mb(zipBytes)} MB, the official download's form) ${(zipImportMs / 1000).toFixed(2)} s, median${spread(zipImports)}`,
    );
    log(
      `  import process    peak RSS ${mb(Math.max(...imports.map((x) => x.peakRssBytes)))} MB (the bridge's own memory is not touched: the import runs in this process of its own)`,
    );
    log(`  index on disk     ${mb(size)} MB`);
    const searchOk = packed.allFields.p95 <= TARGET.searchP95Ms * 1000 && packed.allFields.p99 <= TARGET.searchP99Ms * 1000;
    log(
      `  search call, in process, ${packed.allFields.n} timed queries over all fields: p50 ${ms(packed.allFields.p50)} ms, p95 ${ms(packed.allFields.p95)} ms, p99 ${ms(packed.allFields.p99)} ms, max ${ms(packed.allFields.max)} ms (avg ${packed.results.toFixed(1)} results) (target p95 ≤ ${TARGET.searchP95Ms} ms, p99 ≤ ${TARGET.searchP99Ms} ms) [${ok(searchOk)}]`,
    );
    log(
      `  search call, in process, surname prefixes only: p50 ${ms(packed.single.p50)} ms, p95 ${ms(packed.single.p95)} ms, p99 ${ms(packed.single.p99)} ms`,
    );
    log(
      `  RSS of the benchmark process (tsx, sources, ${BRIDGE_NODE_FLAGS.join(" ")}), not the bridge: peak ${mb(packed.peakRssKb * 1024)} MB (empty process ${mb(packed.rssBefore)} MB, after searches ${mb(packed.rssAfter)} MB), load ${packed.loadMs.toFixed(0)} ms`,
    );
    const bridgeErrors = Object.values(bridge.errors).reduce((a, x) => a + x, 0);
    const rssOk = bridge.peakRssMB <= TARGET.bridgePeakRssMB;
    log(`the bridge (bundled dist/bridge/, node ${BRIDGE_NODE_FLAGS.join(" ")}, mss-bridge start --db <index>), one authenticated client`);
    log(
      `  peak RSS of the bridge with the directory loaded: ${bridge.peakRssMB.toFixed(1)} MB (VmHWM) (target ≤ ${TARGET.bridgePeakRssMB} MB) [${ok(rssOk)}]`,
    );
    log(
      `  bridge RSS: just started ${bridge.idleRssMB.toFixed(1)} MB, max sampled every 250 ms ${bridge.sampledMaxRssMB.toFixed(1)} MB, end ${bridge.endRssMB.toFixed(1)} MB`,
    );
    log(
      `  directory.search over the WebSocket, round trip, ${bridge.roundTrip.n} queries one after another: p50 ${ms(bridge.roundTrip.p50)} ms, p95 ${ms(bridge.roundTrip.p95)} ms, p99 ${ms(bridge.roundTrip.p99)} ms, max ${ms(bridge.roundTrip.max)} ms`,
    );
    log(
      `  errors ${bridgeErrors}${bridgeErrors ? ` ${JSON.stringify(bridge.errors)}` : ""} of ${bridge.sent} [${ok(bridgeErrors === 0)}]; bridge alive at the end: ${bridge.alive}`,
    );
    log(`SQLite FTS5 table (single field: nom:"prefix"*, LIMIT 20)`);
    log(
      `  import            ${(fts.importMs / 1000).toFixed(2)} s wall, median${spread(ftsRuns.map((x) => x.importMs))} (process CPU ${(fts.cpuMs / 1000).toFixed(2)} s)`,
    );
    log(`  index on disk     ${mb(fts.sizeBytes)} MB; process RSS peak ${mb(fts.peakRssKb * 1024)} MB`);
    log(`  search, surname prefixes: p50 ${ms(fts.single.p50)} ms, p95 ${ms(fts.single.p95)} ms, p99 ${ms(fts.single.p99)} ms`);
    const r = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : "n/a");
    log(`ratios FTS5 / packed (above 1: packed is better)`);
    log(`  import time ${r(fts.importMs, importMs)}×, size on disk ${r(fts.sizeBytes, size)}×`);
    log(
      `  single-field prefix search p50 ${r(fts.single.p50, packed.single.p50)}×, p95 ${r(fts.single.p95, packed.single.p95)}×, p99 ${r(fts.single.p99, packed.single.p99)}×`,
    );
    log(`  FTS5 single field vs packed all fields p95 ${r(fts.single.p95, packed.allFields.p95)}×`);
    log(
      "RESULT " +
        JSON.stringify({
          lines,
          mailboxes: imp!.meta.count,
          runs,
          packed: {
            importMs: Math.round(importMs),
            importRunsMs: imports.map((x) => Math.round(x.ms)),
            importCpuMs: Math.round(med.cpuMs),
            importPeakRssBytes: Math.max(...imports.map((x) => x.peakRssBytes)),
            zipImportMs: Math.round(zipImportMs),
            zipImportRunsMs: zipImports.map((x) => Math.round(x)),
            zipBytes,
            sizeBytes: size,
            // RSS of the benchmark's own child process, not the bridge: see bridge.peakRssBytes.
            rssOf: "benchmark process (tsx, sources), not the bridge",
            peakRssBytes: packed.peakRssKb * 1024,
            emptyProcessRssBytes: packed.rssBefore,
            nodeFlags: BRIDGE_NODE_FLAGS,
            search: packed.allFields,
            surnamePrefix: packed.single,
          },
          bridge: {
            peakRssBytes: Math.round(bridge.peakRssMB * 1048576),
            idleRssBytes: Math.round(bridge.idleRssMB * 1048576),
            sampledMaxRssBytes: Math.round(bridge.sampledMaxRssMB * 1048576),
            endRssBytes: Math.round(bridge.endRssMB * 1048576),
            roundTrip: bridge.roundTrip,
            sent: bridge.sent,
            errors: bridgeErrors,
            alive: bridge.alive,
            nodeFlags: BRIDGE_NODE_FLAGS,
          },
          targets: { import: importOk, searchP95P99: searchOk, bridgePeakRss: rssOk, bridgeErrors: bridgeErrors === 0 },
          fts5: {
            importMs: Math.round(fts.importMs),
            importRunsMs: ftsRuns.map((x) => Math.round(x.importMs)),
            sizeBytes: fts.sizeBytes,
            peakRssBytes: fts.peakRssKb * 1024,
            surnamePrefix: fts.single,
          },
        }),
    );
  } finally {
    if (!arg("--keep")) rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`bench:directory: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
