/**
 * `mss-bridge directory …` run as a real command (bin/mss-bridge.mjs, with the Node flags of its
 * first line) on real files: import with its messages, search (--json, --stdin), lookup, and the
 * exit codes 0/2/3/4; an import larger than the command's own heap, stopped, or after a killed one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { finished } from "node:stream/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { missingComponents } from "../harness/require-component.ts";
import { bridgeCommand } from "../harness/bridge-process.ts";
import { extractionFileName, extractionLines, writeExtraction, type FixtureEntry } from "../../scripts/generate-directory.ts";
import { mulberry32 } from "../../bridge/demo/generator/mulberry32.ts";
import { BRIDGE_NODE_FLAGS } from "../../bridge/app/node-flags.ts";
import { ALL_COLUMNS } from "../../bridge/directory/import/columns.ts";
import { FIXTURES } from "./directory-fixtures.ts";

const skip = missingComponents("directory-cli", ["node"]);

/** The command as it ships: the shebang runs Node with BRIDGE_NODE_FLAGS (node-flags.test.ts keeps them equal); or the executable. */
const COMMAND = bridgeCommand(BRIDGE_NODE_FLAGS);

function cli(args: string[], input?: string) {
  const r = spawnSync(COMMAND.file, [...COMMAND.args, ...args], { input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A Corsican professional: ADELI idNat "0" + 2A…, letters included (the protocol's idNat pattern). */
const CORSICAN: FixtureEntry = {
  email: "paul.santoni@infirmier.mssante.fr",
  idNat: "02A1234567",
  surname: "SANTONI",
  givenName: "Paul",
  profession: "Infirmier",
  places: [{ city: "AJACCIO", postalCode: "20000", department: "2A" }],
};

/**
 * A generated extraction where every line has its own street name and city, as varied as the real
 * file (the generator draws them from short lists). Every distinct word is a token of the index's
 * dictionary, held on the JavaScript heap while parsing and indexing: at this size the import
 * needs more than the bridge's 96 MB old generation (checked by the first test that uses it).
 */
async function writeVariedExtraction(dir: string, lines: number): Promise<{ file: string; word: string }> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, extractionFileName("202611220600"));
  const out = createWriteStream(file);
  const rnd = mulberry32(77);
  const word = () => Array.from({ length: 6 + Math.floor(rnd() * 5) }, () => String.fromCharCode(65 + Math.floor(rnd() * 26))).join("");
  const street = ALL_COLUMNS.indexOf("L4LIBELLEVOIE structure BAL");
  const cityLine = ALL_COLUMNS.indexOf("L6LIGNEACHEMINEMENT structure BAL");
  const postalCode = ALL_COLUMNS.indexOf("Code postal structure BAL");
  let n = 0;
  let sample = "";
  for (const line of extractionLines({ lines, seed: 11 })) {
    let text = line;
    if (n++ > 0) {
      const c = line.split("|");
      c[street] = `${word()} ${word()}`;
      if (c[cityLine]) c[cityLine] = `${c[postalCode]} ${word()}`;
      if (n === 1000) sample = c[street]!.split(" ")[0]!;
      text = c.join("|");
    }
    if (!out.write(`${text}\n`)) await once(out, "drain");
  }
  out.end();
  await finished(out);
  return { file, word: sample };
}

/** Processes whose parent is `pid`, with their command lines (Linux /proc). */
function childrenOf(pid: number): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) found.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ") });
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(skip)("mss-bridge directory (command line)", () => {
  let dir: string;
  let file: string;
  let dataDir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "mss-dir-cli-"));
    file = (await writeExtraction(path.join(dir, "src"), { lines: 2000, seed: 9, fixtures: [...FIXTURES, CORSICAN], date: "202611210600" }))
      .file;
    dataDir = path.join(dir, "data");
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("imports into the data directory and says what it did", () => {
    const r = cli(["directory", "import", file, "--data-dir", dataDir]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^Imported \d+ mailboxes \(2000 lines\) from Extraction_Correspondance_MSSante_202611210600\.txt, extraction of 2026-11-21T06:00:00Z/,
    );
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
    const lines = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
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
    // An idNat with letters (ADELI in Corsica), as the protocol's directory.lookupByIdNat accepts.
    const corsican = cli(["directory", "lookup", "02A1234567", "--json", "--data-dir", dataDir]);
    expect(corsican.code).toBe(0);
    expect(JSON.parse(corsican.out).results.map((e: { email: string }) => e.email)).toEqual([CORSICAN.email]);
    expect(cli(["directory", "lookup", "2A-1234", "--data-dir", dataDir]).code).toBe(3);
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

  it("removes what an import killed midway left beside the index, never what a running one writes", () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const left = [`.directory.tmp-${dead}-0a1b2c3d`, `.download-${dead}-0a1b2c3d`].map((n) => path.join(dataDir, n));
    const running = path.join(dataDir, `.directory.tmp-${process.pid}-0a1b2c3d`);
    for (const f of [...left, running]) writeFileSync(f, "partial");
    const r = cli(["directory", "import", file, "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    expect(left.filter((f) => existsSync(f))).toEqual([]);
    expect(existsSync(running)).toBe(true);
    rmSync(running);
  });

  describe("an extraction larger than the command's own heap", () => {
    const LINES = 200_000;
    let big: { file: string; word: string };
    beforeAll(async () => {
      big = await writeVariedExtraction(path.join(dir, "varied"), LINES);
    }, 120_000);

    it("needs more than the bridge's 96 MB heap: imported inside a process run with its flags, it runs out of memory", () => {
      const entry = pathToFileURL(path.resolve("bridge/directory/import/import-extraction.ts")).href;
      const code = `const { importExtraction } = await import(${JSON.stringify(entry)}); await importExtraction({ source: process.argv[1], dbPath: process.argv[2] });`;
      const r = spawnSync(
        process.execPath,
        [...BRIDGE_NODE_FLAGS, "--import", "tsx", "--input-type=module", "-e", code, big.file, path.join(dir, "in-process-index")],
        {
          encoding: "utf8",
          timeout: 120_000,
        },
      );
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/heap out of memory/i);
    }, 130_000);

    it("the command imports it all the same: its import runs in a process of its own, without the cap", () => {
      const db = path.join(dir, "varied-index");
      const r = cli(["directory", "import", big.file, "--db", db]);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Imported \\d+ mailboxes \\(${LINES} lines\\)`));
      const found = JSON.parse(cli(["directory", "search", big.word, "--db", db, "--json"]).out);
      expect(found.count).toBeGreaterThan(0);
    }, 90_000);

    it("stopping the command stops its import: the previous index still serves, nothing is left beside it", async () => {
      const db = path.join(dir, "stopped-index");
      expect(cli(["directory", "import", file, "--db", db]).code).toBe(0);
      const before = JSON.parse(cli(["directory", "status", "--db", db, "--json"]).out);
      const p = spawn(COMMAND.file, [...COMMAND.args, "directory", "import", big.file, "--db", db], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = once(p, "exit");
      let importer: { pid: number; cmd: string } | undefined;
      for (let i = 0; i < 300 && !importer; i++) {
        await new Promise((r) => setTimeout(r, 50));
        importer = childrenOf(p.pid!).find((c) => c.cmd.includes("import-child"));
      }
      expect(importer, "the import process").toBeDefined();
      await new Promise((r) => setTimeout(r, 500)); // reading the extraction
      p.kill("SIGTERM");
      const [code] = await exited;
      expect(stderr).toMatch(/stopped before it finished.*previous directory index \(if any\) is unchanged/s);
      expect(code).toBe(4);
      expect(alive(importer!.pid)).toBe(false);
      expect(readdirSync(dir).filter((n) => n.startsWith(".stopped-index.tmp-") || n.startsWith(".download-"))).toEqual([]);
      const after = JSON.parse(cli(["directory", "status", "--db", db, "--json"]).out);
      expect({ count: after.count, builtAt: after.builtAt }).toEqual({ count: before.count, builtAt: before.builtAt });
    }, 60_000);
  });
});
