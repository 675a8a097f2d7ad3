/**
 * `mss-bridge directory …` run as a real command (bin/mss-bridge.mjs) on real files: import with
 * its messages, search (--json, --stdin), lookup, and the exit codes 0/2/3/4.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { missingComponents } from "../harness/require-component.ts";
import { writeExtraction } from "../../scripts/generate-directory.ts";
import { FIXTURES } from "./directory-fixtures.ts";

const skip = missingComponents("directory-cli", ["node"]);

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ["bin/mss-bridge.mjs", ...args], { input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(skip)("mss-bridge directory (command line)", () => {
  let dir: string;
  let file: string;
  let dataDir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "mss-dir-cli-"));
    file = (await writeExtraction(path.join(dir, "src"), { lines: 2000, seed: 9, fixtures: FIXTURES, date: "202611210600" })).file;
    dataDir = path.join(dir, "data");
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("imports into the data directory and says what it did", () => {
    const r = cli(["directory", "import", file, "--data-dir", dataDir]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Imported \d+ mailboxes \(2000 lines\) from Extraction_Correspondance_MSSante_202611210600\.txt, extraction of 2026-11-21T06:00:00Z/);
  });

  it("searches with --json: query, count, elapsedUs, results", () => {
    const r = cli(["directory", "search", "lefevre st etienne", "--data-dir", dataDir, "--json", "--limit", "5"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(["query", "count", "elapsedUs", "results"]);
    expect(j.query).toBe("lefevre st etienne");
    expect(j.count).toBe(j.results.length);
    expect(j.elapsedUs).toBeGreaterThanOrEqual(0);
    expect(j.results.map((e: { email: string }) => e.email)).toContain("anne.lefevre-durand@medecin.mssante.fr");
  });

  it("answers one JSON line per --stdin line, in order, zero results included", () => {
    const r = cli(["directory", "search", "--stdin", "--json", "--data-dir", dataDir], "ndiaye\nzzzzzzzz\n\nn'diaye\n");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.query)).toEqual(["ndiaye", "zzzzzzzz", "", "n'diaye"]);
    expect(lines[1].count).toBe(0);
    expect(lines[0].results[0]).toEqual(lines[3].results[0]);
  });

  it("looks up by RPPS, idNat and address", () => {
    const byRpps = JSON.parse(cli(["directory", "lookup", "10009876543", "--json", "--data-dir", dataDir]).out);
    expect(byRpps.results.map((e: { email: string }) => e.email)).toEqual(["anne.lefevre-durand@medecin.mssante.fr"]);
    const byAddr = cli(["directory", "lookup", "Awa.NDiaye@medecin.mssante.fr", "--json", "--data-dir", dataDir]);
    expect(byAddr.code).toBe(0);
    expect(JSON.parse(byAddr.out).results[0].surname).toBe("N'DIAYE");
    const none = cli(["directory", "lookup", "nobody@medecin.mssante.fr", "--json", "--data-dir", dataDir]);
    expect(none.code).toBe(0);
    expect(JSON.parse(none.out).count).toBe(0);
  });

  it("exit codes: 2 usage, 3 bad input, 4 I/O", () => {
    expect(cli(["directory", "search", "x", "--limit", "0", "--data-dir", dataDir]).code).toBe(2);
    expect(cli(["directory", "search", "--data-dir", dataDir]).code).toBe(2);
    expect(cli(["directory", "lookup", "not-an-id", "--data-dir", dataDir]).code).toBe(3);
    const bad = path.join(dir, "bad.txt");
    writeFileSync(bad, "this is not an extraction\n");
    const r = cli(["directory", "import", bad, "--data-dir", dataDir]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/not the extraction's header.*previous directory index \(if any\) is unchanged/s);
    const missing = cli(["directory", "search", "x", "--data-dir", path.join(dir, "nothing-here")]);
    expect(missing.code).toBe(4);
    expect(missing.err).toMatch(/No directory index .* Import the extraction first/);
    // The failed import left the index serving.
    expect(cli(["directory", "search", "ndiaye", "--data-dir", dataDir, "--json"]).out).toMatch(/awa\.ndiaye/);
  });

  it("uses --db for a shared index", () => {
    const shared = path.join(dir, "shared-index");
    expect(cli(["directory", "import", file, "--db", shared]).code).toBe(0);
    const r = cli(["directory", "search", "ndiaye", "--db", shared, "--json"]);
    expect(JSON.parse(r.out).count).toBeGreaterThan(0);
  });
});
