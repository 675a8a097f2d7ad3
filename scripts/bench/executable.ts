/**
 * `npm run bench:executable [-- --runs N] [--lines N]`: the single executable (`npm run package`,
 * dist/sea/mss-bridge, or MSS_BRIDGE_EXECUTABLE) beside the bundle as the repository runs it
 * (Node with the bridge's flags and bin/mss-bridge.mjs → dist/bridge/), in interleaved rounds:
 *   - `--version` and `status --json`: start to exit, peak RSS (VmHWM sampled every 100 ms);
 *   - `start --port 0`: time until it prints that it listens, RSS just started;
 *   - the full-size import (536,000 lines, bench:load's cached extraction) through
 *     `directory import`: wall time and the peak RSS of the command and its import process;
 *   - `start --db <that index>`: time to listening and RSS with the full directory loaded.
 * Medians printed, never asserted. The bridge's RSS under searches and load with the executable:
 * `MSS_BRIDGE_EXECUTABLE=dist/sea/mss-bridge npm run bench:directory` and `… bench:load`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { BRIDGE_NODE_FLAGS } from "../../bridge/app/node-flags.ts";
import { buildBridge } from "../build-bridge.mjs";
import { FULL_SIZE_LINES } from "../generate-directory.ts";
import { extractionFile } from "./load.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EXE = path.resolve(process.env.MSS_BRIDGE_EXECUTABLE ?? path.join(ROOT, "dist", "sea", "mss-bridge"));
const VARIANTS = {
  executable: { file: EXE, args: [] as string[] },
  bundle: { file: process.execPath, args: [...BRIDGE_NODE_FLAGS, path.join(ROOT, "bin", "mss-bridge.mjs")] },
};
type Variant = keyof typeof VARIANTS;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
}

/** The pids of `pid`'s descendants, from /proc. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) {
      if (pp === p) {
        out.push(c);
        walk(c);
      }
    }
  };
  walk(pid);
  return out;
}

/**
 * Runs to completion: wall seconds, and the peak RSS (VmHWM) of the command and of its largest
 * descendant (the import process), sampled every 100 ms.
 */
async function timed(v: Variant, args: string[]): Promise<{ s: number; mb: number; childMb: number; code: number | null }> {
  const { file, args: first } = VARIANTS[v];
  const t = performance.now();
  const p = spawn(file, [...first, ...args], { stdio: ["ignore", "ignore", "pipe"], cwd: os.tmpdir() });
  let mb = 0;
  let childMb = 0;
  const sample = () => {
    mb = Math.max(mb, rssMB(p.pid!, "VmHWM"));
    for (const c of descendants(p.pid!)) childMb = Math.max(childMb, rssMB(c, "VmHWM"));
  };
  const timer = setInterval(sample, 100);
  sample();
  const code = await new Promise<number | null>((resolve) => p.once("exit", (c) => resolve(c)));
  clearInterval(timer);
  return { s: (performance.now() - t) / 1000, mb, childMb, code };
}

function rssMB(pid: number, field = "VmRSS"): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** `start` until it prints that it listens; RSS a second later; then SIGTERM. */
async function startToListening(v: Variant, dataDir: string, extra: string[]): Promise<{ s: number; mb: number }> {
  const { file, args } = VARIANTS[v];
  const t = performance.now();
  const p = spawn(file, [...args, "start", "--port", "0", "--data-dir", dataDir, ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: os.tmpdir(),
  });
  let out = "";
  const s = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${v}: no "listening" within 120 s: ${out}`)), 120_000);
    const on = (d: Buffer) => {
      out += d.toString();
      if (/listening on/.test(out)) {
        clearTimeout(timer);
        resolve((performance.now() - t) / 1000);
      }
    };
    p.stdout.on("data", on);
    p.stderr.on("data", on);
    p.once("exit", (c) => reject(new Error(`${v}: exited ${c} before listening: ${out}`)));
  });
  await new Promise((r) => setTimeout(r, 1000));
  const mb = rssMB(p.pid!);
  p.removeAllListeners("exit");
  const ended = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  await ended;
  return { s, mb };
}

async function main(argv: string[]): Promise<void> {
  const arg = (n: string) => {
    const i = argv.indexOf(n);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = Number(arg("--runs") ?? 5);
  const lines = Number(arg("--lines") ?? FULL_SIZE_LINES);
  if (!existsSync(EXE)) throw new Error(`${EXE} does not exist: npm run package`);
  await buildBridge();
  const log = (s: string) => process.stdout.write(`${s}\n`);
  const work = mkdtempSync(path.join(os.tmpdir(), "mss-bench-exe-"));
  const rows: Record<string, Record<Variant, { s: number[]; mb: number[] }>> = {};
  const note = (what: string, v: Variant, s: number, mb: number) => {
    rows[what] ??= { executable: { s: [], mb: [] }, bundle: { s: [], mb: [] } };
    rows[what][v].s.push(s);
    rows[what][v].mb.push(mb);
  };
  try {
    const file = await extractionFile(lines, 2026, log);
    log(
      `executable ${EXE} (${(statSync(EXE).size / 1e6).toFixed(1)} MB); bundle: node ${process.versions.node} ${VARIANTS.bundle.args.join(" ")}`,
    );
    for (let i = 0; i < runs; i++) {
      for (const v of ["executable", "bundle"] as Variant[]) {
        const a = await timed(v, ["--version"]);
        note("--version", v, a.s, a.mb);
        const st = await timed(v, ["status", "--json", "--data-dir", path.join(work, `status-${v}`)]);
        note("status --json (no bridge running)", v, st.s, st.mb);
        const l = await startToListening(v, path.join(work, `data-${v}-${i}`), []);
        note("start: time to listening, RSS 1 s later (no directory)", v, l.s, l.mb);
      }
    }
    const importRuns = Math.min(runs, 3);
    for (let i = 0; i < importRuns; i++) {
      for (const v of ["executable", "bundle"] as Variant[]) {
        const db = path.join(work, `index-${v}`);
        rmSync(db, { recursive: true, force: true });
        const imp = await timed(v, ["directory", "import", file, "--db", db]);
        if (imp.code !== 0) throw new Error(`${v}: directory import exited ${imp.code}`);
        note(`directory import, ${lines} lines: wall, peak RSS of its import process`, v, imp.s, imp.childMb);
        const l = await startToListening(v, path.join(work, `full-${v}-${i}`), ["--db", db]);
        note("start --db <full index>: time to listening, RSS 1 s later", v, l.s, l.mb);
      }
    }
    log(`\nmedians of ${runs} rounds (imports: ${importRuns}), executable vs bundle:`);
    for (const [what, r] of Object.entries(rows)) {
      const f = (v: Variant) => `${median(r[v].s).toFixed(3)} s, ${median(r[v].mb).toFixed(1)} MB`;
      log(`  ${what.padEnd(72)} executable ${f("executable")}   bundle ${f("bundle")}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`bench:executable: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
