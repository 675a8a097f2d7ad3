/** Which processes run, for tests of the bridge's lifecycle (Linux: `ps`, `pgrep`, /proc). */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * The process runs. An exited process waiting to be reaped (a zombie: the bridge outlives the host
 * that started it, so its parent becomes init, which reaps when it gets to it) has ended: not alive.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may hold spaces or parentheses, the state follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false; // gone between the two looks
  }
}

/** `pid` and all its descendants, as `ps` sees them now. */
export function processTree(pid: number): number[] {
  const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of rows) if (pp === out[i] && !out.includes(p)) out.push(p);
  return out;
}

/** Live processes started with `--data-dir <dataDir>` (the host, the bridge), as `pgrep -f` finds them. */
export function byDataDir(dataDir: string): number[] {
  return byCommandLine(`--data-dir ${escapeRegExp(dataDir)}( |$)`);
}

/** Processes whose command line starts with `program` (e.g. the installed executable). */
export function byProgram(program: string): number[] {
  return byCommandLine(`^${escapeRegExp(program)}( |$)`);
}

/** Live processes (not this one) whose whole command line matches the extended regex `pattern`. */
function byCommandLine(pattern: string): number[] {
  try {
    return execFileSync("pgrep", ["-f", "--", pattern], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number)
      .filter((p) => p !== process.pid && alive(p));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Waits until none of `pids` runs; resolves with the time it took (ms), or throws after `limitMs`. */
export async function allGone(pids: number[], since: number, limitMs: number): Promise<number> {
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0) return Date.now() - since;
    if (Date.now() - since > limitMs) throw new Error(`still running after ${limitMs} ms: ${left.join(", ")}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
