/**
 * `npm run bench:load` — many extensions typing in the recipient field at once, against a REAL
 * bridge process on the full-size directory (scripts/generate-directory.ts, 536,000 lines):
 *   1. generate the extraction (cached in the temp directory per generator version: the generator
 *      is deterministic) and import it with `mss-bridge directory import` into a fresh index;
 *   2. start `mss-bridge start --db <index>` (local-only configuration), pair through the
 *      native-messaging host;
 *   3. one authenticated client types for a while: its p95 is the reference;
 *   4. N authenticated clients (50) each send `directory.search` 10 times a second (typing speed:
 *      the prefixes of a name, city or specialty, a character at a time, open loop) for 60 s;
 *   5. prints errors, client-side p50/p95/p99 for the N clients, the single client's p95, their
 *      ratio (target ≤ 2), and the bridge's RSS, sampled from /proc (target ≤ 150 MB).
 *
 * Options: --clients N, --rate R (searches per second per client), --duration S, --single S,
 * --lines L, --seed S, --quick (5 clients, 5 s, 20,000 lines: the smoke run of `npm test`), --json
 * (one JSON line at the end). Only loopback traffic; every loop is bounded by its duration.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { buildBridge } from "../build-bridge.mjs";
import { extractionFileName, FULL_SIZE_LINES, writeExtraction } from "../generate-directory.ts";
import { runBridgeCli, tempDataDir, type TestClient } from "../../test/harness/bridge-process.ts";
import { ORIGINS, type HardenedBridge } from "../../test/hardening/hardened-bridge.ts";
import {
  connectClients,
  cpuSeconds,
  percentiles,
  rssMB,
  sampleRss,
  startShippedBridge,
  stopShippedBridge,
  type Percentiles,
} from "./bridge-process-stats.ts";

export { percentiles, type Percentiles };

export interface LoadOptions {
  clients: number;
  rate: number;
  durationS: number;
  singleS: number;
  lines: number;
  seed: number;
  json: boolean;
  quick: boolean;
}

export interface LoadReport {
  command: string;
  lines: number;
  mailboxes: number;
  importSeconds: number;
  clients: number;
  ratePerClient: number;
  durationS: number;
  sent: number;
  answered: number;
  errors: number;
  errorKinds: Record<string, number>;
  multi: Percentiles;
  single: Percentiles;
  /** multi.p95 / single.p95 (target ≤ 2). */
  ratio: number;
  rssMaxMB: number;
  rssEndMB: number;
  /** RSS of the bridge just after it started, before any search. */
  rssIdleMB: number;
  /** Bridge CPU time per answered search during the N-client phase (ms): the cost that queues up. */
  cpuMsPerSearch: number;
  /** Bridge CPU use during the N-client phase, in cores (1 = one core busy all the time). */
  cpuCores: number;
  bridgeAlive: boolean;
  targets: { ratio: boolean; rss: boolean; errors: boolean };
}

export function parseArgs(argv: string[]): LoadOptions {
  const quick = argv.includes("--quick");
  const o: LoadOptions = quick
    ? { clients: 5, rate: 10, durationS: 5, singleS: 3, lines: 20_000, seed: 2026, json: false, quick }
    : { clients: 50, rate: 10, durationS: 60, singleS: 15, lines: FULL_SIZE_LINES, seed: 2026, json: false, quick };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = Number(argv[++i]);
      if (!Number.isFinite(x) || x <= 0) throw new Error(`${a} needs a positive number`);
      return x;
    };
    if (a === "--clients") o.clients = Math.floor(v());
    else if (a === "--rate") o.rate = v();
    else if (a === "--duration") o.durationS = v();
    else if (a === "--single") o.singleS = v();
    else if (a === "--lines") o.lines = Math.floor(v());
    else if (a === "--seed") o.seed = Math.floor(v());
    else if (a === "--json") o.json = true;
    else if (a === "--quick") continue;
    else throw new Error(`unknown option ${a} (see the header of scripts/bench/load.ts)`);
  }
  return o;
}

/** What people type in the recipient field: names, cities, specialties, combinations. */
const TARGETS = [
  "martin",
  "bernard",
  "dubois",
  "thomas",
  "robert",
  "richard",
  "petit",
  "durand",
  "leroy",
  "moreau",
  "simon",
  "laurent",
  "lefebvre",
  "michel",
  "garcia",
  "david",
  "bertrand",
  "roux",
  "vincent",
  "fournier",
  "morel",
  "girard",
  "andre",
  "lefevre",
  "mercier",
  "dupont",
  "lambert",
  "bonnet",
  "francois",
  "martinez",
  "cardio lyon",
  "pediatre nantes",
  "dupont paris",
  "saint etienne",
  "radiologie",
  "chu bordeaux",
  "medecin generaliste",
  "kine toulouse",
  "pharmacie lille",
  "secretariat",
  "gyneco marseille",
  "dermato",
];

/** The queries one client types: every prefix of its targets, from 2 characters. */
export function typingSequence(client: number, seed: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < TARGETS.length; k++) {
    const t = TARGETS[(client * 7 + seed + k * 13) % TARGETS.length]!;
    for (let i = 2; i <= t.length; i++) if (t[i - 1] !== " ") out.push(t.slice(0, i));
  }
  return out;
}

interface RunResult {
  latencies: number[];
  sent: number;
  answered: number;
  errors: Record<string, number>;
}

/** Each client sends `rate` searches a second for `seconds`, open loop (typing does not wait). */
async function typeFor(clients: TestClient[], rate: number, seconds: number, seed: number, offset: number): Promise<RunResult> {
  const res: RunResult = { latencies: [], sent: 0, answered: 0, errors: {} };
  const interval = 1000 / rate;
  const perClient = Math.floor(seconds * rate);
  const err = (k: string) => (res.errors[k] = (res.errors[k] ?? 0) + 1);
  const pending: Promise<void>[] = [];
  await Promise.all(
    clients.map(async (c, i) => {
      const seq = typingSequence(offset + i, seed);
      // Spread the clients over one interval so they do not all type on the same tick.
      const start = performance.now() + (interval * i) / clients.length;
      for (let k = 0; k < perClient; k++) {
        const due = start + k * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const q = seq[k % seq.length]!;
        const t0 = performance.now();
        res.sent++;
        pending.push(
          c.call("directory.search", { query: q, limit: 10 }).then(
            (r: { results: unknown[] }) => {
              res.answered++;
              if (!Array.isArray(r?.results)) err("invalid-result");
              res.latencies.push(performance.now() - t0);
            },
            (e: { code?: number; message?: string }) => {
              err(e.code !== undefined ? `code ${e.code}` : (e.message ?? "error"));
            },
          ),
        );
      }
    }),
  );
  // Answers still on their way: bounded wait.
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 30_000))]);
  const missing = res.sent - res.answered - Object.values(res.errors).reduce((a, x) => a + x, 0);
  if (missing > 0) res.errors["no answer within 30 s"] = missing;
  return res;
}

/** The generator's own code: a cached extraction made by another version of it is not reused. */
function generatorVersion(): string {
  const h = createHash("sha256");
  const dir = fileURLToPath(new URL("../../bridge/demo/generator/", import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .sort()
    .map((f) => path.join(dir, f));
  for (const f of [...files, fileURLToPath(new URL("../../shared/domain/title-case.ts", import.meta.url))]) h.update(readFileSync(f));
  return h.digest("hex").slice(0, 12);
}

/** The extraction for (lines, seed), generated once per machine and generator version into the temp directory. */
export async function extractionFile(lines: number, seed: number, log: (s: string) => void): Promise<string> {
  const dir = path.join(os.tmpdir(), "mss-bench-load", `${lines}-${seed}-${generatorVersion()}`);
  const file = path.join(dir, extractionFileName("202611230300"));
  if (existsSync(file)) return file;
  log(`generating ${lines} lines (seed ${seed}) into ${dir} …`);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const g = await writeExtraction(partial, { lines, seed, date: "202611230300" });
  mkdirSync(path.dirname(dir), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return path.join(dir, path.basename(g.file));
}

export async function runLoad(o: LoadOptions, log: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<LoadReport> {
  const file = await extractionFile(o.lines, o.seed, log);
  let b: HardenedBridge | null = null;
  let work: string | null = null;
  const clients: TestClient[] = [];
  try {
    work = tempDataDir("mss-bench-load-");
    const db = path.join(work, "directory-load");
    log(`importing ${o.lines} lines into ${db} …`);
    const t0 = performance.now();
    const imp = await runBridgeCli(["directory", "import", file, "--quiet", "--db", db], { timeoutMs: 15 * 60_000 });
    if (imp.code !== 0) throw new Error(`import failed (${imp.code}): ${imp.stderr}`);
    const importSeconds = Math.round((performance.now() - t0) / 100) / 10;
    const mailboxes = Number(/Imported (\d+) mailboxes/.exec(imp.stdout)?.[1] ?? 0);
    log(imp.stdout.trim());

    b = await startShippedBridge({ dataDir: work, args: ["--db", db] });
    const secret = await b.pair(ORIGINS.post);
    const pid = b.pid;
    const rssIdle = rssMB(pid);
    const sampler = sampleRss(pid);
    try {
      // Warm-up (the index's pages come into memory), not measured.
      const [warm] = await connectClients(b, secret, 1);
      clients.push(warm!);
      await typeFor([warm!], o.rate, 1, o.seed, 1000);

      log(`single client: ${o.rate}/s for ${o.singleS} s …`);
      const single = await typeFor([warm!], o.rate, o.singleS, o.seed, 0);

      log(`${o.clients} clients: ${o.rate}/s each for ${o.durationS} s …`);
      clients.push(...(await connectClients(b, secret, o.clients - 1)));
      const cpu0 = cpuSeconds(pid);
      const wall0 = performance.now();
      const multi = await typeFor(clients, o.rate, o.durationS, o.seed, 0);
      const cpu = cpuSeconds(pid) - cpu0;
      const wall = (performance.now() - wall0) / 1000;

      const errorKinds: Record<string, number> = {};
      for (const r of [single, multi]) for (const [k, v] of Object.entries(r.errors)) errorKinds[k] = (errorKinds[k] ?? 0) + v;
      const errors = Object.values(errorKinds).reduce((a, x) => a + x, 0);
      const s = percentiles(single.latencies);
      const m = percentiles(multi.latencies);
      const ratio = Math.round((m.p95 / s.p95) * 100) / 100;
      const rssEnd = rssMB(pid);
      const rssMax = sampler.max();
      return {
        command: `npm run bench:load --${o.quick ? " --quick" : ""} (clients ${o.clients}, ${o.rate}/s, ${o.durationS} s, ${o.lines} lines)`,
        lines: o.lines,
        mailboxes,
        importSeconds,
        clients: o.clients,
        ratePerClient: o.rate,
        durationS: o.durationS,
        sent: single.sent + multi.sent,
        answered: single.answered + multi.answered,
        errors,
        errorKinds,
        multi: m,
        single: s,
        ratio,
        rssMaxMB: Math.round(rssMax * 10) / 10,
        rssEndMB: Math.round(rssEnd * 10) / 10,
        rssIdleMB: Math.round(rssIdle * 10) / 10,
        cpuMsPerSearch: Math.round((cpu * 1000 * 100) / Math.max(1, multi.answered)) / 100,
        cpuCores: Math.round((cpu / wall) * 100) / 100,
        bridgeAlive: b.alive(),
        targets: { ratio: ratio <= 2, rss: rssMax <= 150, errors: errors === 0 },
      };
    } finally {
      sampler.stop();
    }
  } finally {
    await stopShippedBridge(b, clients);
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

function print(r: LoadReport): void {
  const ok = (x: boolean) => (x ? "ok" : "MISSED");
  const lines = [
    `bench:load — ${r.command}`,
    `directory: ${r.lines} lines, ${r.mailboxes} mailboxes (import ${r.importSeconds} s)`,
    `requests: ${r.sent} sent, ${r.answered} answered, errors ${r.errors}${r.errors ? ` ${JSON.stringify(r.errorKinds)}` : ""} [${ok(r.targets.errors)}]`,
    `${r.clients} clients: p50 ${r.multi.p50} ms, p95 ${r.multi.p95} ms, p99 ${r.multi.p99} ms, max ${r.multi.max} ms (n=${r.multi.n})`,
    `1 client:  p50 ${r.single.p50} ms, p95 ${r.single.p95} ms, p99 ${r.single.p99} ms (n=${r.single.n})`,
    `p95 ratio ${r.clients} clients / 1 client: ${r.ratio} (target ≤ 2) [${ok(r.targets.ratio)}]`,
    `bridge RSS: max ${r.rssMaxMB} MB, end ${r.rssEndMB} MB, just started ${r.rssIdleMB} MB (target ≤ 150 MB) [${ok(r.targets.rss)}]`,
    `bridge CPU during the ${r.clients}-client phase: ${r.cpuCores} cores, ${r.cpuMsPerSearch} ms per answered search`,
    `bridge alive at the end: ${r.bridgeAlive}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  let o: LoadOptions;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench:load: ${(e as Error).message}\n`);
    process.exit(2);
  }
  // The bridge as it ships: bin/mss-bridge.mjs runs dist/bridge/ when it is up to date.
  buildBridge()
    .then(() => runLoad(o))
    .then(
      (r) => {
        print(r);
        if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        process.exit(r.bridgeAlive ? 0 : 1);
      },
      (e) => {
        process.stderr.write(`bench:load failed: ${(e as Error).stack ?? e}\n`);
        process.exit(1);
      },
    );
}
