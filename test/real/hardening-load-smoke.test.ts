/**
 * Smoke run of the load benchmark (`npm run bench:load -- --quick`: 5 authenticated clients typing
 * 10 searches a second for 5 s on a 20,000-line directory, against a real bridge process). Checks
 * that it runs end to end, every search is answered without error and the figures are reported;
 * no timing is asserted (the full benchmark's figures are read by people, on a quiet machine).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { REPO_ROOT } from "../harness/bridge-process.ts";
import { typingSequence, percentiles } from "../../scripts/bench/load.ts";

const skip = missingComponents("hardening-load-smoke", []);

describe("load benchmark helpers", () => {
  it("types prefixes of names, cities and specialties, from 2 characters, deterministically", () => {
    const s = typingSequence(3, 2026);
    expect(s).toEqual(typingSequence(3, 2026));
    expect(s.every((q) => q.length >= 2 && !q.endsWith(" "))).toBe(true);
    expect(s.slice(0, 3).map((q) => q.length)).toEqual([2, 3, 4]);
    expect(typingSequence(4, 2026)[0]).not.toBe(s[0]);
  });
  it("percentiles", () => {
    const p = percentiles(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(p).toMatchObject({ n: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });
});

describe.skipIf(skip)("hardening: load benchmark smoke run (real bridge process)", () => {
  it("bench:load --quick runs, answers every search and reports the figures", async () => {
    const proc = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "scripts/bench/load.ts"), "--quick", "--json"], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((r) => proc.on("exit", r));
    console.log(out.trim());
    expect(code, err).toBe(0);
    const r = JSON.parse(out.trim().split("\n").at(-1)!);
    expect(r.clients).toBe(5);
    expect(r.errors, JSON.stringify(r.errorKinds)).toBe(0);
    expect(r.answered).toBe(r.sent);
    expect(r.sent).toBeGreaterThanOrEqual(5 * 10 * 5);
    expect(r.mailboxes).toBeGreaterThan(15_000);
    expect(r.multi.n).toBeGreaterThan(0);
    expect(r.single.n).toBeGreaterThan(0);
    expect(r.rssMaxMB).toBeGreaterThan(0);
    expect(r.bridgeAlive).toBe(true);
    expect(out).toMatch(/p95 ratio 5 clients \/ 1 client/);
  }, 180_000);
});
