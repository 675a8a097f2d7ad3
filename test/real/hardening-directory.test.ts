/**
 * Directory bad input, the hardening way: through `mss-bridge directory import` (exit code and
 * message) and through a RUNNING bridge (`directory.import` from its configured URL on a loopback
 * HTTP server, progress notifications over the WebSocket). Each bad input is a clear error, and the
 * previous index still serves the same results, to the CLI and to the running bridge:
 *   truncated file · a required column missing · invalid UTF-8 · 0 bytes · a ZIP with no
 *   extraction inside · a ZIP bomb · a download cut midway · the disk full during import (tmpfs).
 * A UTF-8 BOM, CRLF line ends and extra columns are accepted and give the same results.
 * (The directory's own suite covers the importer in-process; this one goes through the CLI and the
 * bridge process.)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeExtraction, type FixtureEntry } from "../../scripts/generate-directory.ts";
import { missingComponents } from "../harness/require-component.ts";
import { zipBytes } from "../harness/zip-file.ts";
import { openClient, runBridgeCli, type TestClient } from "../harness/bridge-process.ts";
import { ORIGINS, startHardenedBridge, type HardenedBridge } from "../hardening/hardened-bridge.ts";
import { startSwapServer, type Answer, type SwapServer } from "../hardening/swap-server.ts";

const FIXTURES: FixtureEntry[] = [
  {
    email: "yvonne.kerhervé@medecin.mssante.fr",
    idNat: "810007770001",
    surname: "KERHERVÉ",
    givenName: "Yvonne",
    civility: "DR",
    profession: "Médecin",
    specialty: "Rhumatologie",
    places: [{ organisation: "Cabinet des Halles", city: "QUIMPER", postalCode: "29000" }],
  },
  {
    type: "ORG",
    email: "accueil.rhumato@chu-brest.mssante.fr",
    places: [{ organisation: "CHU de Brest", service: "Accueil rhumatologie", city: "BREST", postalCode: "29200" }],
  },
];
const QUERIES = ["kerherve", "rhumato quimper", "accueil rhumato", "martin", "mar", "brest"];
const EXTRACTION = "Extraction_Correspondance_MSSante_202611230300.txt";

interface BadInput {
  name: string;
  /** The bytes a file or the server holds, and its name. */
  body: Buffer;
  filename: string;
  /** Cut the HTTP download after this many bytes (the file import then uses the URL too). */
  cutAfterBytes?: number;
  message: RegExp;
}

/** Waits for the next import notification that ends the import (done or failed). */
async function importOver(c: TestClient, ms = 60_000): Promise<{ phase: string; message: string | null }> {
  const from = c.notifications.length;
  expect(await c.call("directory.import")).toEqual({ started: true });
  const end = Date.now() + ms;
  for (;;) {
    const n = c.notifications
      .slice(from)
      .find((x) => x.method === "directory.importProgress" && (x.params.phase === "done" || x.params.phase === "failed"));
    if (n) return n.params;
    if (Date.now() > end) throw new Error("no end of import notified");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function bridgeAnswers(c: TestClient): Promise<string> {
  const out: string[] = [];
  for (const q of QUERIES)
    out.push(`${q}: ${(await c.call("directory.search", { query: q, limit: 10 })).results.map((r: any) => r.email).join(",")}`);
  out.push(`count: ${(await c.call("directory.status")).count}`);
  return out.join("\n");
}

async function cliAnswers(dbArgs: string[]): Promise<string> {
  const r = await runBridgeCli(["directory", "search", "--stdin", "--json", "--limit", "10", ...dbArgs], {
    input: `${QUERIES.join("\n")}\n`,
  });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .map((j) => `${j.query}: ${j.results.map((x: any) => x.email).join(",")}`)
    .join("\n");
}

const skip = missingComponents("hardening-directory", []);

describe.skipIf(skip)("hardening: directory bad input through the CLI and a running bridge", () => {
  let work: string;
  let good: Buffer;
  let server: SwapServer;
  let b: HardenedBridge;
  let c: TestClient;
  let baselineBridge = "";
  let baselineCli = "";
  const bad: BadInput[] = [];

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), "mss-hardening-dir-"));
    const g = await writeExtraction(path.join(work, "good"), { lines: 3000, seed: 11, fixtures: FIXTURES, date: "202611230300" });
    good = readFileSync(g.file);
    const text = good.toString("utf8");
    const half = good.indexOf(0x0a, Math.floor(good.length / 2));
    bad.push(
      { name: "truncated file", body: good.subarray(0, half + 25), filename: EXTRACTION, message: /truncated/i },
      {
        name: "required column missing",
        body: Buffer.from(text.replace("Adresse BAL", "Adresse")),
        filename: EXTRACTION,
        message: /column/i,
      },
      { name: "invalid UTF-8", body: Buffer.from(text, "latin1"), filename: EXTRACTION, message: /UTF-8/ },
      { name: "0-byte file", body: Buffer.alloc(0), filename: EXTRACTION, message: /empty|0 bytes/i },
      {
        name: "ZIP with no extraction inside",
        body: await zipBytes([{ name: "notes.txt", data: Buffer.from("rien\n") }]),
        filename: "Extraction.zip",
        message: /no extraction|not the extraction/i,
      },
      {
        name: "ZIP bomb",
        body: await zipBytes([{ name: EXTRACTION, data: Buffer.alloc(64 * 1024 * 1024, 0x41) }]),
        filename: "Extraction.zip",
        message: /bomb/i,
      },
      {
        name: "download cut midway",
        body: good,
        filename: EXTRACTION,
        cutAfterBytes: Math.floor(good.length / 3),
        message: /cut|incomplete|truncated/i,
      },
    );
    server = await startSwapServer();
    server.set("/extraction", { body: good, filename: EXTRACTION });
    b = await startHardenedBridge({ config: { directory: { extractionSource: `${server.url}/extraction`, refreshHours: 0 } } });
    const secret = await b.pair(ORIGINS.post);
    c = await openClient(b.port, ORIGINS.post);
    await c.authenticate(secret);
    expect((await importOver(c)).phase).toBe("done");
    baselineBridge = await bridgeAnswers(c);
    expect(baselineBridge).toContain("yvonne.kerhervé@medecin.mssante.fr");
    baselineCli = await cliAnswers(["--data-dir", b.dataDir]);
    expect(baselineCli).toContain("accueil.rhumato@chu-brest.mssante.fr");
  }, 120_000);
  afterAll(async () => {
    c?.close();
    if (b) expect(await b.stop()).toBe(0);
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("every bad input through the running bridge: a failed import with a clear message, the same results after", async () => {
    const seen: string[] = [];
    for (const x of bad) {
      const answer: Answer = {
        body: x.body,
        filename: x.filename,
        ...(x.cutAfterBytes !== undefined ? { cutAfterBytes: x.cutAfterBytes } : {}),
      };
      server.set("/extraction", answer);
      const end = await importOver(c);
      seen.push(`${x.name}: ${end.phase} ${end.message}`);
      expect(end.phase, x.name).toBe("failed");
      expect(end.message, x.name).toMatch(x.message);
      expect(await bridgeAnswers(c), x.name).toBe(baselineBridge);
    }
    console.log(seen.join("\n"));
    expect(b.alive()).toBe(true);
  }, 180_000);

  it("every bad input through `mss-bridge directory import`: exit 3 or 4, a clear message, the same results after", async () => {
    for (const x of bad) {
      let source: string;
      if (x.cutAfterBytes !== undefined) {
        server.set("/cut", { body: x.body, filename: x.filename, cutAfterBytes: x.cutAfterBytes });
        source = `${server.url}/cut`;
      } else {
        const dir = mkdtempSync(path.join(work, "bad-"));
        source = path.join(dir, x.filename);
        writeFileSync(source, x.body);
      }
      const r = await runBridgeCli(["directory", "import", source, "--quiet", "--data-dir", b.dataDir]);
      expect([3, 4], `${x.name}: ${r.stderr}`).toContain(r.code);
      expect(r.stderr, x.name).toMatch(x.message);
      expect(r.stderr, x.name).toMatch(/unchanged|still in use/);
      expect(r.stderr, x.name).not.toMatch(/\n\s+at /); // a message, not a stack trace
      expect(await cliAnswers(["--data-dir", b.dataDir]), x.name).toBe(baselineCli);
    }
    expect(await bridgeAnswers(c)).toBe(baselineBridge);
    // No temporary file left beside the index.
    expect(readdirSync(b.dataDir).filter((n) => /tmp/.test(n))).toEqual([]);
  }, 180_000);

  it("a UTF-8 BOM, CRLF line ends and extra columns are accepted, with the same results (bridge and CLI)", async () => {
    const lines = good.toString("utf8").trimEnd().split("\n");
    const variant = Buffer.from(`\uFEFF${lines.map((l, i) => l + (i === 0 ? "|Colonne supplémentaire" : "|x")).join("\r\n")}\r\n`);
    server.set("/extraction", { body: variant, filename: EXTRACTION });
    const end = await importOver(c);
    expect(end.phase, String(end.message)).toBe("done");
    expect(await bridgeAnswers(c)).toBe(baselineBridge);
    const file = path.join(mkdtempSync(path.join(work, "variant-")), EXTRACTION);
    writeFileSync(file, variant);
    const r = await runBridgeCli(["directory", "import", file, "--quiet", "--data-dir", b.dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(await cliAnswers(["--data-dir", b.dataDir])).toBe(baselineCli);
  }, 120_000);
});

const skipDisk = missingComponents("hardening-directory disk full", ["root", "mount"]);

describe.skipIf(skipDisk)("hardening: the disk full during a directory import (2 MB tmpfs)", () => {
  let work: string;
  let mnt: string;
  let mounted = false;
  let server: SwapServer;
  let b: HardenedBridge | null = null;
  let c: TestClient;
  let small: Buffer;
  let big: Buffer;

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), "mss-hardening-full-"));
    mnt = path.join(work, "mnt");
    mkdirSync(mnt);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt]);
    mounted = true;
    small = readFileSync(
      (await writeExtraction(path.join(work, "small"), { lines: 500, seed: 5, fixtures: FIXTURES, date: "202611230300" })).file,
    );
    // About 4.5 MB of text and a 5 MB index: neither fits in 2 MB.
    big = readFileSync(
      (await writeExtraction(path.join(work, "big"), { lines: 20_000, seed: 6, fixtures: FIXTURES, date: "202611240300" })).file,
    );
    server = await startSwapServer();
    server.set("/extraction", { body: small, filename: EXTRACTION });
  }, 120_000);
  afterAll(async () => {
    c?.close();
    if (b) await b.stop();
    await server?.close();
    if (mounted) execFileSync("umount", [mnt]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("through the CLI: a clear 'disk is full' error, the previous index still answers the same", async () => {
    const db = path.join(mnt, "cli-directory");
    const smallFile = path.join(work, "small", EXTRACTION);
    const ok = await runBridgeCli(["directory", "import", smallFile, "--quiet", "--db", db]);
    expect(ok.code, ok.stderr).toBe(0);
    const before = await cliAnswers(["--db", db]);
    expect(before).toContain("yvonne.kerhervé@medecin.mssante.fr");
    const r = await runBridgeCli([
      "directory",
      "import",
      path.join(work, "big", "Extraction_Correspondance_MSSante_202611240300.txt"),
      "--quiet",
      "--db",
      db,
    ]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/disk is full/i);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await cliAnswers(["--db", db])).toBe(before);
    expect(readdirSync(mnt).filter((n) => n !== "cli-directory")).toEqual([]);
  }, 60_000);

  it("through a running bridge whose index is on the full disk: a failed import notified, the same answers after", async () => {
    rmSync(path.join(mnt, "cli-directory"), { force: true });
    b = await startHardenedBridge({
      args: ["--db", path.join(mnt, "directory")],
      config: { directory: { extractionSource: `${server.url}/extraction`, refreshHours: 0 } },
    });
    const secret = await b.pair(ORIGINS.post);
    c = await openClient(b.port, ORIGINS.post);
    await c.authenticate(secret);
    expect((await importOver(c)).phase).toBe("done");
    const before = await bridgeAnswers(c);
    expect(before).toContain("yvonne.kerhervé@medecin.mssante.fr");
    server.set("/extraction", { body: big, filename: "Extraction_Correspondance_MSSante_202611240300.txt" });
    const end = await importOver(c);
    expect(end.phase).toBe("failed");
    expect(end.message).toMatch(/disk is full/i);
    expect(await bridgeAnswers(c)).toBe(before);
    expect(b.alive()).toBe(true);
    expect(readdirSync(mnt).filter((n) => n !== "directory")).toEqual([]);
  }, 90_000);
});
