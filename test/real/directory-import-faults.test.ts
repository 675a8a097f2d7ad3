/**
 * Imports that stop midway: the import process is stopped (bridge shutting down), and the disk
 * fills up (a small tmpfs), also while a worker thread inflates a ZIP for an import in parts. Each leaves the previous index serving the same results, says why, and
 * leaves no partial file behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { missingComponents } from "../harness/require-component.ts";
import { writeZip } from "../harness/zip-file.ts";
import { importExtraction } from "../../bridge/directory/import/import-extraction.ts";
import { ImportError } from "../../bridge/directory/import/import-error.ts";
import { writeExtraction } from "../../scripts/generate-directory.ts";
import { OfflineDirectory, removeStaleTempFiles } from "../../bridge/directory/offline-directory.ts";
import { BridgeError } from "../../shared/protocol/errors.ts";
import { FIXTURES } from "./directory-fixtures.ts";

const skip = missingComponents("directory-import-faults", ["root", "mount", "umount"]);

const QUERIES = ["lefevre", "ndiaye", "st etienne", "mar lyon"];
const snapshot = async (d: OfflineDirectory) =>
  (await Promise.all(QUERIES.map(async (q) => (await d.search(q, 10)).results.map((r) => r.email).join(",")))).join("\n");

describe.skipIf(skip)("directory import faults", () => {
  let dir: string;
  let small: string;
  let big: string;
  let mnt: string | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "mss-dir-faults-"));
    small = (await writeExtraction(path.join(dir, "small"), { lines: 1500, seed: 5, fixtures: FIXTURES })).file;
    big = (await writeExtraction(path.join(dir, "big"), { lines: 60_000, seed: 6, fixtures: FIXTURES })).file;
  }, 120_000);

  afterAll(() => {
    if (mnt) execFileSync("umount", [mnt]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("an import stopped midway keeps the previous index and leaves no partial file", async () => {
    const db = path.join(dir, "stop", "directory");
    const d = new OfflineDirectory({ dbPath: db, extractionSource: small });
    await d.importFromConfiguredSource(() => {});
    const before = await snapshot(d);
    const phases: string[] = [];
    const running = d.importFrom(big, (p) => {
      phases.push(p.phase);
      if (p.phase === "parse") d.cancelImport();
    });
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).message).toMatch(/stopped before it finished.*previous directory is still in use/);
    expect(await snapshot(d)).toBe(before);
    expect(readdirSync(path.dirname(db))).toEqual(["directory"]);
    await d.close();
  });

  it("stale files of a killed import are removed", () => {
    const d = path.join(dir, "stale");
    mkdirSync(d);
    writeFileSync(path.join(d, ".directory.tmp-999999-abcd"), "x");
    writeFileSync(path.join(d, ".download-999999-abcd"), "x");
    writeFileSync(path.join(d, ".extraction-999999-abcd.txt"), "x"); // a ZIP's extraction, inflated to be parsed in parts
    writeFileSync(path.join(d, `.directory.tmp-${process.pid}-abcd`), "mine, still running");
    removeStaleTempFiles(path.join(d, "directory"));
    expect(readdirSync(d)).toEqual([`.directory.tmp-${process.pid}-abcd`]);
  });

  it("a full disk during the import keeps the previous index and says so", async () => {
    mnt = path.join(dir, "tmpfs");
    mkdirSync(mnt);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1200k", "tmpfs", mnt]);
    const db = path.join(mnt, "directory");
    const d = new OfflineDirectory({ dbPath: db, extractionSource: small });
    await d.importFromConfiguredSource(() => {});
    const before = await snapshot(d);
    const err = await d.importFrom(big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).message).toMatch(/disk is full.*Free some space/);
    expect(await snapshot(d)).toBe(before);
    expect(readdirSync(mnt)).toEqual(["directory"]);
    // A fresh process opening it sees the previous, complete index.
    const other = new OfflineDirectory({ dbPath: db, extractionSource: "unused", readOnly: true });
    expect(await snapshot(other)).toBe(before);
    await other.close();
    await d.close();
  });

  it("a full disk while a thread inflates the ZIP (an import in parts) keeps the previous index and says so", async () => {
    const m = path.join(dir, "tmpfs-zip");
    mkdirSync(m);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", m]);
    try {
      const db = path.join(m, "directory");
      await importExtraction({ source: small, dbPath: db });
      const before = readFileSync(db);
      // The big extraction inflates to ~14 MB: more than the disk holds.
      const zip = await writeZip(path.join(dir, "big.zip"), [{ name: path.basename(big), data: readFileSync(big) }]);
      const err = await importExtraction({ source: zip, dbPath: db, parts: 2 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImportError);
      expect((err as ImportError).message).toMatch(/disk is full while inflating the ZIP's extraction.*Free some space/);
      expect(readdirSync(m)).toEqual(["directory"]);
      expect(readFileSync(db).equals(before)).toBe(true);
    } finally {
      execFileSync("umount", [m]);
    }
  });
});
