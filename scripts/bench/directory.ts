/**
 * Directory benchmark (`npm run bench:directory [-- --lines N] [--queries N] [--keep DIR]`).
 * On a generated extraction (full size: 536,000 lines), in the same run:
 *  - the packed index: import time (in its own process, as the bridge does), index size on disk,
 *    peak RSS of a process with the directory loaded and searched, search latency p50/p95/p99
 *    over realistic queries (3–6 letter prefixes of real surnames, name + city, name + specialty),
 *    one box over all fields;
 *  - a plain SQLite FTS5 table (better-sqlite3, unicode61 without diacritics, the approach of the
 *    best open tool): the same import and a comparable single-field (surname) prefix query;
 *  - ratios FTS5 / packed.
 * Figures are printed (a table, then one JSON line); nothing is asserted.
 */
import { fork } from "node:child_process";
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir, loadavg, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeExtraction, FULL_SIZE_LINES } from "../generate-directory.ts";
import { runImportInChild } from "../../bridge/directory/import/run-import.ts";
import { ALL_COLUMNS } from "../../bridge/directory/import/columns.ts";
import { foldText } from "../../bridge/directory/search/normalize.ts";

const SELF = fileURLToPath(import.meta.url);

interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  n: number;
}

function percentiles(us: number[]): Latency {
  const s = [...us].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  return { p50: at(50), p95: at(95), p99: at(99), max: s[s.length - 1] ?? 0, n: s.length };
}

const ms = (us: number) => (us / 1000).toFixed(3);

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
    const surname = foldText(f[iSurname] ?? "").split(/[^a-z0-9]+/).filter((w) => w.length >= 3)[0];
    if (!surname) continue;
    const city = foldText((f[iCity] ?? "").replace(/^\d+\s*/, "")).split(/[^a-z0-9]+/).filter((w) => w.length >= 3)[0] ?? "";
    const skill = foldText(f[iSkill] ?? "").split(/[^a-z0-9]+/).filter((w) => w.length >= 4)[0] ?? "";
    people.push({ surname, city, skill });
  }
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
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
    "Type de BAL", "Adresse BAL", "Nom d'exercice", "Prénom d'exercice", "Libellé Profession", "Libellé savoir-faire",
    "Raison Sociale structure BAL", "Service de rattachement", "L4LIBELLEVOIE structure BAL", "L6LIGNEACHEMINEMENT structure BAL",
    "Code postal structure BAL", "Département structure BAL",
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
  process.send?.({ importMs, cpuMs: (cpu.user + cpu.system) / 1000, sizeBytes, single: percentiles(us), peakRssKb: process.resourceUsage().maxRSS });
  ro.close();
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
  if (!Number.isInteger(lines) || lines < 100 || !Number.isInteger(nQueries) || nQueries < 3) {
    process.stderr.write("usage: bench:directory [--lines N>=100] [--queries N>=3] [--keep DIR]\n");
    process.exit(2);
  }
  const work = arg("--keep") ?? mkdtempSync(path.join(tmpdir(), "mss-bench-directory-"));
  const log = (s: string) => process.stdout.write(s + "\n");
  log(`Directory benchmark: ${lines} lines, ${nQueries} queries; ${cpus().length} CPU(s), load average ${loadavg()[0]!.toFixed(2)}`);
  try {
    const tg = performance.now();
    const gen = await writeExtraction(path.join(work, "src"), { lines, seed: 2026 });
    log(`generated ${gen.file} (${(gen.bytes / 1048576).toFixed(1)} MB) in ${((performance.now() - tg) / 1000).toFixed(1)} s`);
    const { all, surnamePrefixes } = await buildQueries(gen.file, nQueries);
    const queriesFile = path.join(work, "queries.json");
    (await import("node:fs")).writeFileSync(queriesFile, JSON.stringify({ all, surnamePrefixes }));

    // Packed index: import in its own process, like the bridge.
    const db = path.join(work, "directory");
    const ti = performance.now();
    const imp = await runImportInChild({ source: gen.file, dbPath: db });
    const withSpawnMs = performance.now() - ti;
    const importMs = imp.elapsedMs; // inside the import process, like the FTS5 figure
    const size = statSync(db).size;
    type PackedRun = { loadMs: number; rssBefore: number; rssAfter: number; peakRssKb: number; allFields: Latency; single: Latency; results: number };
    const packed = await runChild<PackedRun>(["--child", "packed", db, queriesFile]);
    // The same process with V8's young generation capped: search garbage otherwise grows it to
    // ~32 MB of mostly empty pages.
    const packedSmallYoung = await runChild<PackedRun>(["--child", "packed", db, queriesFile], ["--max-semi-space-size=1"]);

    // Plain SQLite FTS5, same extraction, same machine, same run.
    const fts = await runChild<{ importMs: number; cpuMs: number; sizeBytes: number; single: Latency; peakRssKb: number }>([
      "--child",
      "fts5",
      gen.file,
      path.join(work, "fts5.sqlite"),
      queriesFile,
    ]);

    const mb = (b: number) => (b / 1048576).toFixed(1);
    log("");
    log(`packed index (one box, all fields)`);
    log(`  import            ${(importMs / 1000).toFixed(2)} s wall (process CPU ${(imp.cpuMs / 1000).toFixed(2)} s; ${(withSpawnMs / 1000).toFixed(2)} s with the process start), ${imp.meta.count} mailboxes from ${imp.meta.lines} lines`);
    log(`  index on disk     ${mb(size)} MB`);
    log(`  process RSS       peak ${mb(packed.peakRssKb * 1024)} MB (empty process ${mb(packed.rssBefore)} MB, after searches ${mb(packed.rssAfter)} MB), load ${packed.loadMs.toFixed(0)} ms`);
    log(`  search, ${packed.allFields.n} timed queries over all fields: p50 ${ms(packed.allFields.p50)} ms, p95 ${ms(packed.allFields.p95)} ms, p99 ${ms(packed.allFields.p99)} ms, max ${ms(packed.allFields.max)} ms (avg ${packed.results.toFixed(1)} results)`);
    log(`  search, surname prefixes only: p50 ${ms(packed.single.p50)} ms, p95 ${ms(packed.single.p95)} ms, p99 ${ms(packed.single.p99)} ms`);
    log(`  with node --max-semi-space-size=1: RSS peak ${mb(packedSmallYoung.peakRssKb * 1024)} MB (empty process ${mb(packedSmallYoung.rssBefore)} MB); search p50 ${ms(packedSmallYoung.allFields.p50)} ms, p95 ${ms(packedSmallYoung.allFields.p95)} ms, p99 ${ms(packedSmallYoung.allFields.p99)} ms`);
    log(`SQLite FTS5 table (single field: nom:"prefix"*, LIMIT 20)`);
    log(`  import            ${(fts.importMs / 1000).toFixed(2)} s wall (process CPU ${(fts.cpuMs / 1000).toFixed(2)} s)`);
    log(`  index on disk     ${mb(fts.sizeBytes)} MB; process RSS peak ${mb(fts.peakRssKb * 1024)} MB`);
    log(`  search, surname prefixes: p50 ${ms(fts.single.p50)} ms, p95 ${ms(fts.single.p95)} ms, p99 ${ms(fts.single.p99)} ms`);
    const r = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : "n/a");
    log(`ratios FTS5 / packed (above 1: packed is better)`);
    log(`  import time ${r(fts.importMs, importMs)}×, size on disk ${r(fts.sizeBytes, size)}×`);
    log(`  single-field prefix search p50 ${r(fts.single.p50, packed.single.p50)}×, p95 ${r(fts.single.p95, packed.single.p95)}×, p99 ${r(fts.single.p99, packed.single.p99)}×`);
    log(`  FTS5 single field vs packed all fields p95 ${r(fts.single.p95, packed.allFields.p95)}×`);
    log(
      "RESULT " +
        JSON.stringify({
          lines,
          mailboxes: imp.meta.count,
          packed: {
            importMs: Math.round(importMs),
            importCpuMs: Math.round(imp.cpuMs),
            sizeBytes: size,
            peakRssBytes: packed.peakRssKb * 1024,
            emptyProcessRssBytes: packed.rssBefore,
            peakRssBytesSmallYoungGen: packedSmallYoung.peakRssKb * 1024,
            searchSmallYoungGen: packedSmallYoung.allFields,
            search: packed.allFields,
            surnamePrefix: packed.single,
          },
          fts5: { importMs: Math.round(fts.importMs), sizeBytes: fts.sizeBytes, peakRssBytes: fts.peakRssKb * 1024, surnamePrefix: fts.single },
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
