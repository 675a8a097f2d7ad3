/**
 * The directory benchmark at a small size, as a smoke check: it runs end to end (generator,
 * import in its own process from the bundle, loaded-process RSS, searches, the real bridge over
 * the WebSocket, the FTS5 comparison) and prints figures. No timing is asserted.
 */
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { missingComponents } from "../harness/require-component.ts";

const skip = missingComponents("directory-bench-smoke", ["node"]);

describe.skipIf(skip)("bench:directory smoke run", () => {
  it("prints import, size, RSS and latency figures for the packed index and FTS5", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "scripts/bench/directory.ts", "--lines", "5000", "--queries", "300", "--runs", "2"],
      {
        timeout: 120_000,
        maxBuffer: 4 * 1024 * 1024,
      },
    );
    expect(stdout).toMatch(/packed index \(one box, all fields\)/);
    expect(stdout).toMatch(/ratios FTS5 \/ packed/);
    const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
    expect(line).toBeDefined();
    const r = JSON.parse(line!.slice("RESULT ".length));
    expect(r.lines).toBe(5000);
    expect(r.mailboxes).toBeGreaterThan(4000);
    for (const v of [
      r.packed.importMs,
      r.packed.importPeakRssBytes,
      r.packed.sizeBytes,
      r.packed.peakRssBytes,
      r.fts5.importMs,
      r.fts5.sizeBytes,
      r.bridge.peakRssBytes,
    ]) {
      expect(v).toBeGreaterThan(0);
    }
    expect(r.packed.importRunsMs).toHaveLength(2);
    expect(r.packed.zipImportRunsMs).toHaveLength(2);
    expect(r.packed.zipImportMs).toBeGreaterThan(0);
    expect(r.fts5.importRunsMs).toHaveLength(2);
    expect(r.packed.importRunsMs).toContain(r.packed.importMs); // the median is one of the runs
    expect(r.bridge).toMatchObject({ errors: 0, alive: true });
    expect(r.bridge.roundTrip.n).toBeGreaterThanOrEqual(300);
    expect(r.packed.search.n).toBeGreaterThanOrEqual(300);
    for (const p of [r.packed.search, r.packed.surnamePrefix, r.fts5.surnamePrefix]) {
      expect(p.p50).toBeGreaterThan(0);
      expect(p.p99).toBeGreaterThanOrEqual(p.p95);
      expect(p.p95).toBeGreaterThanOrEqual(p.p50);
    }
  });
});
