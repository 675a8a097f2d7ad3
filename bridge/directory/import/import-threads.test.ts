/**
 * The import on several threads (import-threads.ts) gives the index a single thread gives, byte
 * for byte, whatever the number of parts: lines of one address far apart in the file (so in
 * different parts), two addresses whose hashes collide in different parts, malformed lines
 * reported with their line number in the whole file, and a part that fails failing the import.
 * Real worker threads on real files; no mocks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { IndexBuilder, type IndexParts } from "../index/build-index.ts";
import { hash32 } from "../index/hash32.ts";
import { INDEX_FORMAT_VERSION, inMemoryIndex, openIndexFile } from "../index/index-file.ts";
import { PackedIndex } from "../index/packed-index.ts";
import { ALL_COLUMNS } from "./columns.ts";
import { ImportError } from "./import-error.ts";
import { importExtraction } from "./import-extraction.ts";
import { buildWithThreads, parseFileInParts } from "./import-threads.ts";
import { writeExtraction } from "../../demo/generator/extraction.ts";
import { writeZip } from "../../../test/harness/zip-file.ts";

const col = (name: string) => ALL_COLUMNS.indexOf(name as (typeof ALL_COLUMNS)[number]);

/** Two addresses with the same hash, as the merger hashes them. */
function collidingPair(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const a = `u${i}@x.fr`;
    const other = seen.get(hash32(a));
    if (other) return [other, a];
    seen.set(hash32(a), a);
  }
}

/** A typed array's bytes (compared whole: an element-by-element comparison is slow at this size). */
function bytesOf(a: Uint8Array | Uint32Array | string[]): Buffer {
  if (Array.isArray(a)) throw new Error("not a typed array");
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** A ZIP holding `text` as the extraction. */
function zipOf(dest: string, text: Buffer): Promise<string> {
  return writeZip(dest, [{ name: "Extraction_Correspondance_MSSante_202611230300.txt", data: text }]);
}

function row(over: Record<string, string>): string {
  const c: string[] = ALL_COLUMNS.map(() => "");
  for (const [k, v] of Object.entries(over)) c[col(k)] = v;
  return c.join("|");
}

describe("directory import on several threads", { timeout: 60_000 }, () => {
  let dir: string;
  let file: string;
  let size: number;
  let badLineNo: number;
  let generated: string[];
  /** An early generated line of a person with a given name. */
  let firstLine: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "mss-import-threads-"));
    const g = await writeExtraction(path.join(dir, "gen"), { lines: 6000, seed: 11 });
    generated = readFileSync(g.file, "utf8")
      .split("\n")
      .filter((l) => l !== "");
    const [header, ...body] = generated;
    const [c0, c1] = collidingPair();
    firstLine = body.find((l) => l.split("|")[col("Prénom d'exercice")])!;
    const first = firstLine.split("|");
    const email = first[col("Adresse BAL")]!;
    // Later lines of addresses that appear early: in another part when the file is cut in parts.
    const later = [
      // The first address again, at another place, with its given name changed (ignored: only empty fields are filled).
      row({
        "Type de BAL": first[col("Type de BAL")]!,
        "Adresse BAL": email.toUpperCase(),
        "Prénom d'exercice": "Autre",
        "Raison Sociale structure BAL": "CENTRE HOSPITALIER DE LA DERNIÈRE PARTIE",
        "L6LIGNEACHEMINEMENT structure BAL": "29200 BREST",
        "Code postal structure BAL": "29200",
      }),
      // An ORG without a specialty at first, given one later.
      row({ "Type de BAL": "ORG", "Adresse BAL": "secretariat.tardif@ch-test.mssante.fr", "Raison Sociale structure BAL": "CH TEST" }),
    ];
    const lines = [
      header!,
      row({ "Type de BAL": "ORG", "Adresse BAL": c0, "L6LIGNEACHEMINEMENT structure BAL": "69003 LYON" }),
      later[1]!,
      ...body,
    ];
    lines.push(row({ "Type de BAL": "ORG", "Adresse BAL": c1, "L6LIGNEACHEMINEMENT structure BAL": "75011 PARIS" }));
    lines.push("too|few|columns");
    badLineNo = lines.length; // 1-based: the line just pushed
    lines.push(later[0]!);
    lines.push(row({ "Type de BAL": "ORG", "Adresse BAL": c0, "L6LIGNEACHEMINEMENT structure BAL": "29200 BREST" }));
    lines.push(
      row({
        "Type de BAL": "ORG",
        "Adresse BAL": "secretariat.tardif@ch-test.mssante.fr",
        "Libellé savoir-faire": "Cardiologie et maladies vasculaires",
      }),
    );
    file = path.join(dir, "Extraction_Correspondance_MSSante_202611230300.txt");
    writeFileSync(file, `${lines.join("\n")}\n`);
    size = statSync(file).size;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function indexIn(parts: number): Promise<{ index: IndexParts; warnings: string[]; count: number; usedParts: number }> {
    const b = new IndexBuilder();
    const parsed = await parseFileInParts(file, size, b, { parts });
    return { index: await buildWithThreads(b, parts), warnings: parsed.warnings, count: parsed.count, usedParts: parsed.parts };
  }

  it("gives the same index in 1, 2, 3 and 4 parts, lines of one address merged across parts", async () => {
    const one = await indexIn(1);
    expect(one.usedParts).toBe(1);
    for (const parts of [2, 3, 4]) {
      const many = await indexIn(parts);
      expect(many.usedParts).toBe(parts);
      expect(many.count).toBe(one.count);
      expect(many.warnings).toEqual(one.warnings);
      expect(many.index.dict.join("\n")).toBe(one.index.dict.join("\n"));
      for (const k of Object.keys(one.index) as (keyof IndexParts)[]) {
        if (k !== "dict") expect(bytesOf(many.index[k]).equals(bytesOf(one.index[k])), `${k} in ${parts} parts`).toBe(true);
      }
    }
    // What the single pass gives is itself right: the early address has both places, its given
    // name from its first line; the colliding addresses stay apart, each with its own cities.
    const meta = {
      formatVersion: INDEX_FORMAT_VERSION,
      sourceDate: null,
      sourceName: null,
      builtAt: "",
      count: one.count,
      lines: 0,
      tokens: one.index.dict.length,
      warnings: [],
    };
    const idx = new PackedIndex(inMemoryIndex(one.index, meta));
    const first = firstLine.split("|");
    const e = idx.lookupByAddress(first[col("Adresse BAL")]!)!;
    expect(e.places.map((p) => p.city)).toContain("BREST");
    expect(e.givenName).toBe(first[col("Prénom d'exercice")]);
    const [c0, c1] = collidingPair();
    expect(idx.lookupByAddress(c0)!.places.map((p) => p.city)).toEqual(["LYON", "BREST"]);
    expect(idx.lookupByAddress(c1)!.places.map((p) => p.city)).toEqual(["PARIS"]);
    expect(idx.lookupByAddress("secretariat.tardif@ch-test.mssante.fr")!.specialty).toBe("Cardiologie et maladies vasculaires");
  });

  it("reports a malformed line in a later part with its line number in the whole file", async () => {
    const { warnings } = await indexIn(3);
    expect(warnings.join("\n")).toContain(`line ${badLineNo}: 3 columns instead of 31`);
  });

  it("fails the whole import when a later part fails, saying where", async () => {
    const bad = path.join(dir, "bad-utf8.txt");
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length * 0.9);
    bytes[at] = 0xff; // never valid in UTF-8
    writeFileSync(bad, bytes);
    const err = await parseFileInParts(bad, bytes.length, new IndexBuilder(), { parts: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).kind).toBe("input");
    const near = Number(/near byte (\d+)/.exec((err as ImportError).message)?.[1]);
    expect(near).toBeGreaterThan(bytes.length / 2); // in the second part's own range, counted from the file's start
    expect(near).toBeLessThanOrEqual(at);

    const cut = path.join(dir, "cut.txt");
    writeFileSync(cut, readFileSync(file).subarray(0, size - 40));
    await expect(parseFileInParts(cut, size - 40, new IndexBuilder(), { parts: 3 })).rejects.toThrow(/truncated/);
  });

  it("imports a ZIP in parts (inflated beside the index by a thread while parsed, then removed) to the same index", async () => {
    const zip = await zipOf(path.join(dir, "Extraction_Correspondance_MSSante_202611230300.zip"), readFileSync(file));
    const fromTxt = path.join(dir, "db", "txt");
    const fromZip = path.join(dir, "db", "zip");
    await importExtraction({ source: file, dbPath: fromTxt, parts: 1 });
    await importExtraction({ source: zip, dbPath: fromZip, parts: 2 });
    const a = openIndexFile(fromTxt);
    const b = openIndexFile(fromZip);
    try {
      expect({ ...b.meta, builtAt: null }).toEqual({ ...a.meta, builtAt: null });
      expect(b.postings).toEqual(a.postings);
      expect(b.dict).toEqual(a.dict);
      expect(b.readEntryText(5)).toBe(a.readEntryText(5));
    } finally {
      a.close();
      b.close();
    }
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(path.join(dir, "db")).sort()).toEqual(["txt", "zip"]); // nothing left behind
  });

  it("a ZIP that fails while a thread inflates it fails the import, says why and leaves nothing beside the index", async () => {
    const db = path.join(dir, "db-bad", "directory");
    const good = await zipOf(path.join(dir, "good.zip"), readFileSync(file));
    const bytes = readFileSync(good);
    // Damaged in the middle of the compressed data: the inflation fails after the parse has begun.
    const damaged = path.join(dir, "damaged.zip");
    const broken = Buffer.from(bytes);
    for (let i = Math.floor(bytes.length * 0.6); i < Math.floor(bytes.length * 0.6) + 64; i++) broken[i] = broken[i]! ^ 0x5a;
    writeFileSync(damaged, broken);
    const err = await importExtraction({ source: damaged, dbPath: db, parts: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).message).toMatch(/ZIP|corrupt|invalid|truncated|UTF-8/i);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(path.dirname(db))).toEqual([]);

    // The parse fails first (bad bytes early in the text): that is the error, and the inflating
    // thread is stopped, its file removed.
    const text = readFileSync(file);
    text[Math.floor(text.length * 0.1)] = 0xff;
    const badText = await zipOf(path.join(dir, "bad-text.zip"), text);
    await expect(importExtraction({ source: badText, dbPath: db, parts: 2 })).rejects.toThrow(/not valid UTF-8/);
    expect(readdirSync(path.dirname(db))).toEqual([]);

    // Not an extraction inside: read in one pass, which names what is missing.
    const notOurs = await zipOf(path.join(dir, "other.zip"), Buffer.from("a|b|c\n1|2|3\n".repeat(50_000)));
    await expect(importExtraction({ source: notOurs, dbPath: db, parts: 2 })).rejects.toThrow(/Required column\(s\) missing/);
    expect(readdirSync(path.dirname(db))).toEqual([]);
  });
});
