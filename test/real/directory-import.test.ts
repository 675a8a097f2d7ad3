/**
 * Import of the national extraction from real files, real ZIPs and a real local HTTP server, and
 * bad input of every kind: each is a clear error and the previous index keeps serving the same
 * results (the import runs in its child process, as in the bridge).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { domainToASCII } from "node:url";
import { missingComponents } from "../harness/require-component.ts";
import { writeZip } from "../harness/zip-file.ts";
import { startForwardProxy, startHttpServer, type TestHttpServer, type TestProxy } from "../harness/http-server.ts";
import { writeExtraction } from "../../scripts/generate-directory.ts";
import { FIXTURES } from "./directory-fixtures.ts";
import { OfflineDirectory } from "../../bridge/directory/offline-directory.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import type { ImportProgress } from "../../bridge/services.ts";
import { handlers } from "../../bridge/server/router.ts";
import type { ServerContext } from "../../bridge/server/context.ts";

const skip = missingComponents("directory-import", ["openssl"]);

const QUERIES = ["lefevre", "ndiaye", "st etienne", "dupont cardio lyon", "mar", "secretariat cardio"];

describe.skipIf(skip)("directory import (real files, ZIP, HTTP)", () => {
  let dir: string;
  let good: string;
  let goodText: Buffer;
  let server: TestHttpServer;
  let proxy: TestProxy;
  let db: string;
  let directory: OfflineDirectory;
  let baseline: string;

  /** What the index answers to a few queries (compact, so a failure stays readable). */
  const snapshot = async (d = directory) =>
    (
      await Promise.all(QUERIES.map(async (q) => `${q}: ${(await d.search(q, 10)).results.map((r) => `${r.email}@${r.city}`).join(",")}`))
    ).join("\n");

  /** Imports `source` expecting failure; checks the message and that the old index still serves. */
  async function expectRejected(source: string, message: RegExp): Promise<void> {
    const progress: ImportProgress[] = [];
    const err = await directory
      .importFrom(source, (p) => progress.push(p))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe(ErrorCode.IMPORT_FAILED);
    expect((err as BridgeError).message).toMatch(message);
    expect((err as BridgeError).message).toMatch(/previous directory is still in use/);
    expect(progress.at(-1)?.phase).toBe("failed");
    expect(directory.status().count).toBeGreaterThan(0);
    expect(await snapshot()).toBe(baseline);
    // A fresh process opening the same file sees the previous index too.
    const other = new OfflineDirectory({ dbPath: db, extractionSource: "unused", readOnly: true });
    expect(await snapshot(other)).toBe(baseline);
    await other.close();
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "mss-dir-import-"));
    good = (await writeExtraction(path.join(dir, "src"), { lines: 3000, seed: 42, fixtures: FIXTURES, date: "202611220415" })).file;
    goodText = readFileSync(good);
    server = await startHttpServer();
    proxy = await startForwardProxy();
    db = path.join(dir, "data", "directory");
    directory = new OfflineDirectory({ dbPath: db, extractionSource: good });
    const progress: ImportProgress[] = [];
    await directory.importFromConfiguredSource((p) => progress.push(p));
    expect(progress.map((p) => p.phase)).toContain("parse");
    expect(progress.at(-1)?.phase).toBe("done");
    baseline = await snapshot();
  }, 120_000);

  afterAll(async () => {
    await directory?.close();
    await server?.close();
    await proxy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("imports a .txt: merged entries, source date, search and lookups", async () => {
    const st = directory.status();
    expect(st.source).toBe("offline");
    expect(st.sourceDate).toBe("2026-11-22T04:15:00Z");
    expect(st.count).toBeGreaterThan(2000);
    expect(st.count).toBeLessThan(3000); // several lines per address were merged
    const anne = await directory.lookupByIdNat("10009876543");
    expect(anne.map((e) => e.email)).toEqual(["anne.lefevre-durand@medecin.mssante.fr"]);
    expect(anne[0]!.places.map((p) => p.city)).toEqual(["LYON", "SAINT-ÉTIENNE"]);
    expect((await directory.search("lefevre durand st etienne")).results[0]).toMatchObject({
      email: "anne.lefevre-durand@medecin.mssante.fr",
      city: "SAINT-ÉTIENNE",
      organisation: "CHU de Saint-Étienne",
    });
    expect((await directory.search("n'diaye")).results.map((e) => e.email)).toContain("awa.ndiaye@medecin.mssante.fr");
    expect((await directory.lookupByAddress(`SECRETARIAT.CARDIOLOGIE@${domainToASCII("hôpital-test.fr")}`))?.type).toBe("ORG");
  });

  it("imports the same extraction from a .zip", async () => {
    const zip = await writeZip(path.join(dir, "extraction.zip"), [
      { name: "README.txt.bak", data: Buffer.from("not this one") },
      { name: path.basename(good), data: goodText },
    ]);
    await directory.importFrom(zip);
    expect(await snapshot()).toBe(baseline);
    expect(directory.status().sourceDate).toBe("2026-11-22T04:15:00Z");
  });

  it("downloads from a URL (streaming, with progress) and through a configured HTTP proxy", async () => {
    server.routes.set("/extraction", { file: good, filename: path.basename(good) });
    const progress: ImportProgress[] = [];
    await directory.importFrom(`${server.url}/extraction`, (p) => progress.push(p));
    const downloads = progress.filter((p) => p.phase === "download");
    expect(downloads.length).toBeGreaterThan(0);
    expect(downloads.at(-1)?.total).toBe(goodText.length);
    expect(await snapshot()).toBe(baseline);
    expect(directory.status().sourceDate).toBe("2026-11-22T04:15:00Z");

    const viaProxy = new OfflineDirectory({
      dbPath: path.join(dir, "proxied"),
      extractionSource: `${server.url}/extraction`,
      proxy: proxy.url,
    });
    await viaProxy.importFromConfiguredSource(() => {});
    expect(proxy.seen).toContain(`GET ${server.url}/extraction`);
    expect(await snapshot(viaProxy)).toBe(baseline);
    await viaProxy.close();
  });

  it("downloads over HTTPS from a server whose CA is only in the extra CA file", async () => {
    const certDir = path.join(dir, "tls");
    execFileSync("sh", [
      "-c",
      `mkdir -p ${certDir} && cd ${certDir} && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null`,
    ]);
    const tlsServer = await startHttpServer({
      tls: { key: readFileSync(path.join(certDir, "key.pem")), cert: readFileSync(path.join(certDir, "cert.pem")) },
    });
    tlsServer.routes.set("/x.txt", { file: good, filename: path.basename(good) });
    try {
      const untrusted = new OfflineDirectory({ dbPath: path.join(dir, "tls-db"), extractionSource: `${tlsServer.url}/x.txt` });
      await expect(untrusted.importFromConfiguredSource(() => {})).rejects.toThrow(/certificate/i);
      await untrusted.close();
      const trusted = new OfflineDirectory({
        dbPath: path.join(dir, "tls-db"),
        extractionSource: `${tlsServer.url}/x.txt`,
        extraCaFile: path.join(certDir, "cert.pem"),
      });
      await trusted.importFromConfiguredSource(() => {});
      expect(await snapshot(trusted)).toBe(baseline);
      await trusted.close();
    } finally {
      await tlsServer.close();
    }
  });

  it("accepts a UTF-8 BOM, CRLF line ends, extra columns and another column order", async () => {
    const lines = goodText.toString("utf8").trimEnd().split("\n");
    const cols = lines.map((l) => l.split("|"));
    const perm = cols[0]!.map((_, i) => i).reverse();
    const shuffled = cols.map((c, n) => [n === 0 ? "Colonne future" : "x", ...perm.map((i) => c[i]!)].join("|"));
    const file = path.join(dir, "Extraction_Correspondance_MSSante_202611220415.txt");
    writeFileSync(file, `\uFEFF${shuffled.join("\r\n")}\r\n`);
    await directory.importFrom(file);
    expect(await snapshot()).toBe(baseline);
  });

  it("a truncated file is refused (cut inside a line, or at a line end)", async () => {
    const file = path.join(dir, "truncated", "Extraction_Correspondance_MSSante_202611230415.txt");
    execFileSync("mkdir", ["-p", path.dirname(file)]);
    const lineEnd = goodText.indexOf(0x0a, Math.floor(goodText.length / 2));
    writeFileSync(file, goodText.subarray(0, lineEnd + 30));
    await expectRejected(file, /truncated \(its last line is incomplete\)/);
    // Cut exactly at a line end: the text looks complete, but holds far fewer mailboxes.
    writeFileSync(file, goodText.subarray(0, goodText.indexOf(0x0a, Math.floor(goodText.length / 3)) + 1));
    await expectRejected(file, /probably truncated/);
  });

  it("a missing required column is refused and named", async () => {
    const text = goodText.toString("utf8").replace("Adresse BAL", "Adresse");
    const file = path.join(dir, "nocol.txt");
    writeFileSync(file, text);
    await expectRejected(file, /Required column\(s\) missing.*"Adresse BAL"/);
  });

  it("binary garbage and invalid UTF-8 are refused", async () => {
    const garbage = path.join(dir, "garbage.txt");
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) & 0xff;
    writeFileSync(garbage, bytes);
    await expectRejected(garbage, /not valid UTF-8|binary|not the extraction/);
    const latin1 = path.join(dir, "latin1.txt");
    writeFileSync(latin1, Buffer.from(goodText.toString("utf8"), "latin1"));
    await expectRejected(latin1, /not valid UTF-8/);
  });

  it("a 0-byte file and a header-only file are refused", async () => {
    const empty = path.join(dir, "empty.txt");
    writeFileSync(empty, "");
    await expectRejected(empty, /empty \(0 bytes\)/);
    const headerOnly = path.join(dir, "header.txt");
    writeFileSync(headerOnly, `${goodText.toString("utf8").split("\n")[0]}\n`);
    await expectRejected(headerOnly, /no entries/);
  });

  it("a missing file is refused", async () => {
    await expectRejected(path.join(dir, "does-not-exist.txt"), /not found/i);
  });

  it("a ZIP without an extraction inside is refused", async () => {
    const zip = await writeZip(path.join(dir, "other.zip"), [{ name: "photo.jpg", data: Buffer.alloc(1000, 1) }]);
    await expectRejected(zip, /ZIP holds no extraction/);
  });

  it("a ZIP bomb is refused before it is inflated", async () => {
    const zip = await writeZip(path.join(dir, "bomb.zip"), [
      { name: "Extraction_Correspondance_MSSante_202611220415.txt", data: Buffer.alloc(50 * 1024 * 1024, 0x41) },
    ]);
    expect(statSync(zip).size).toBeLessThan(1024 * 1024);
    await expectRejected(zip, /ZIP bomb/);
  });

  it("a corrupt ZIP is refused", async () => {
    const zip = await writeZip(path.join(dir, "corrupt.zip"), [{ name: path.basename(good), data: goodText }]);
    const bytes = readFileSync(zip);
    writeFileSync(zip, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expectRejected(zip, /ZIP|truncated|corrupt/);
  });

  it("a download cut midway is refused", async () => {
    server.routes.set("/cut", { file: good, filename: path.basename(good), cutAfterBytes: Math.floor(goodText.length / 3) });
    await expectRejected(`${server.url}/cut`, /cut after \d+ of \d+ bytes/);
  });

  it("an HTTP error is refused", async () => {
    await expectRejected(`${server.url}/missing`, /HTTP 404/);
  });

  it("a corrupt index file written over the good one does not replace the index being served", async () => {
    const other = path.join(dir, "swap");
    const d = new OfflineDirectory({ dbPath: other, extractionSource: good });
    await d.importFromConfiguredSource(() => {});
    const before = await snapshot(d);
    writeFileSync(`${other}.garbage`, "not an index");
    execFileSync("mv", [`${other}.garbage`, other]);
    expect(d.reload()).toBe(false);
    expect(d.lastError).toMatch(/not a directory index file/);
    expect(await snapshot(d)).toBe(before);
    await d.close();
  });

  it("a machine-wide index is served read-only and never imported into", async () => {
    chmodSync(db, 0o444);
    const mtime = statSync(db).mtimeMs;
    const shared = new OfflineDirectory({ dbPath: db, extractionSource: good, readOnly: true, refreshHours: 24 });
    shared.start();
    expect(await snapshot(shared)).toBe(baseline);
    const e = await shared.importFromConfiguredSource(() => {}).catch((x: unknown) => x);
    expect((e as BridgeError).message).toMatch(/shared read-only/);
    await shared.close();
    expect(statSync(db).mtimeMs).toBe(mtime);
    chmodSync(db, 0o644);
  });

  it("reports age and staleness", async () => {
    const later = new OfflineDirectory({
      dbPath: db,
      extractionSource: good,
      readOnly: true,
      now: () => Date.parse("2026-12-01T04:15:00Z"),
    });
    expect(later.status()).toMatchObject({ ageDays: 9, stale: true });
    const soon = new OfflineDirectory({
      dbPath: db,
      extractionSource: good,
      readOnly: true,
      now: () => Date.parse("2026-11-23T04:15:00Z"),
    });
    expect(soon.status()).toMatchObject({ ageDays: 1, stale: false });
    await later.close();
    await soon.close();
  });

  it("refuses a second import while one is running", async () => {
    const first = directory.importFrom(good);
    await expect(directory.importFrom(good)).rejects.toMatchObject({ code: ErrorCode.IMPORT_IN_PROGRESS });
    await first;
    expect(await snapshot()).toBe(baseline);
  });

  it("directory.import during the scheduled refresh answers IMPORT_IN_PROGRESS, not started then failed", async () => {
    // No index yet: the refresh schedule imports at once.
    const scheduled = new OfflineDirectory({ dbPath: path.join(dir, "scheduled", "directory"), extractionSource: good, refreshHours: 24 });
    const notified: unknown[] = [];
    const ctx = {
      services: { directory: scheduled },
      onImportProgress: (p: unknown) => notified.push(p),
      log: { error() {} },
    } as unknown as ServerContext;
    try {
      scheduled.start();
      for (let i = 0; i < 100 && !scheduled.importInProgress; i++) await new Promise((r) => setTimeout(r, 10));
      expect(scheduled.importInProgress).toBe(true);
      await expect(handlers["directory.import"]!({}, ctx)).rejects.toMatchObject({
        code: ErrorCode.IMPORT_IN_PROGRESS,
        message: expect.stringMatching(/already running/),
      });
      for (let i = 0; i < 3000 && scheduled.importInProgress; i++) await new Promise((r) => setTimeout(r, 20));
      expect(scheduled.status().count).toBeGreaterThan(2000);
      expect(notified).toEqual([]); // no "failed" broadcast for the refresh that carried on
      // Once it is over, the same call starts an import and reports its progress.
      expect(await handlers["directory.import"]!({}, ctx)).toEqual({ started: true });
      for (let i = 0; i < 3000 && scheduled.importInProgress; i++) await new Promise((r) => setTimeout(r, 20));
      expect((notified.at(-1) as ImportProgress).phase).toBe("done");
    } finally {
      await scheduled.close();
    }
  });
});
