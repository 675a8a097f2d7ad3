/**
 * What the benchmarks measure about a real bridge process, in one place (scripts/bench/load.ts and
 * scripts/bench/directory.ts): latency percentiles, the process's memory and CPU read from Linux
 * /proc, and authenticated clients connected the way the extension connects.
 */
import { readFileSync, rmSync } from "node:fs";
import { openClient, type TestClient } from "../../test/harness/bridge-process.ts";
import { ORIGINS, startHardenedBridge, type HardenedBridge, type HardenedOptions } from "../../test/hardening/hardened-bridge.ts";
import { buildBridge } from "../build-bridge.mjs";

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles, rounded to 0.01 of the input's unit. */
export function percentiles(xs: number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s.at(-1) ?? NaN) };
}

/** A `Vm…` line of /proc/<pid>/status, in MB (0 when the process is gone). */
function statusMB(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of process `pid` now, in MB. */
export function rssMB(pid: number): number {
  return statusMB(pid, "VmRSS");
}

/** The highest resident memory process `pid` has had since it started (VmHWM), in MB: the true peak, not a sample. */
export function peakRssMB(pid: number): number {
  return statusMB(pid, "VmHWM");
}

/** Samples the RSS of `pid` every `everyMs` until stop(); max() is the highest sample so far. */
export function sampleRss(pid: number, everyMs = 250): { max(): number; stop(): void } {
  let max = rssMB(pid);
  const timer = setInterval(() => (max = Math.max(max, rssMB(pid))), everyMs);
  return {
    max: () => (max = Math.max(max, rssMB(pid))),
    stop: () => clearInterval(timer),
  };
}

/** CPU seconds (user + system) used so far by process `pid` (Linux /proc, clock ticks of 100 Hz). */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** `n` clients of the paired origin ORIGINS.post, each connected and authenticated with `secret`. */
export async function connectClients(b: HardenedBridge, secret: Uint8Array<ArrayBuffer>, n: number): Promise<TestClient[]> {
  const out: TestClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await openClient(b.port, ORIGINS.post);
    await c.authenticate(secret);
    out.push(c);
  }
  return out;
}

/**
 * Starts the bridge as it ships: the bundle, built just before (bin/mss-bridge.mjs falls back to
 * the sources through tsx when a source file is newer than the bundle, e.g. edited during a long
 * run); a bridge that fell back anyway is stopped and the run refused, since its figures would not
 * be the shipped bridge's.
 */
export async function startShippedBridge(opts: HardenedOptions): Promise<HardenedBridge> {
  await buildBridge();
  const b = await startHardenedBridge({ ...opts, env: { ...opts.env, MSS_BRIDGE_DEBUG_LAUNCH: "1" } });
  const fromSources = /running from sources: (.*)/.exec(b.stderr());
  if (fromSources) {
    await b.stop();
    throw new Error(
      `the bridge ran from the sources, not the bundle (${fromSources[1]}): its figures would not be the shipped bridge's; run the benchmark again, with MSS_BRIDGE_FROM_SOURCE unset`,
    );
  }
  return b;
}

/** Closes the clients, stops the bridge and removes its home directory. */
export async function stopShippedBridge(b: HardenedBridge | null, clients: TestClient[]): Promise<void> {
  for (const c of clients) c.close();
  if (b) {
    await b.stop();
    rmSync(b.home, { recursive: true, force: true });
  }
}
