/**
 * How many malformed lines an extraction may have (bridge/directory/README.md, "Decisions"): up to
 * 10, or 0.1% of the lines when that is more, are skipped and reported as a warning; more fail the
 * import, so a damaged file never replaces the index in use.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ALL_COLUMNS } from "./columns.ts";
import { EntryList } from "./records.ts";
import { ImportError } from "./import-error.ts";
import { parseExtraction } from "./parse-extraction.ts";

const col = (name: string) => ALL_COLUMNS.indexOf(name as (typeof ALL_COLUMNS)[number]);

/** An extraction of `good` well-formed lines and `bad` lines with a column missing, spread through it. */
function extraction(good: number, bad: number): Readable {
  const lines = [ALL_COLUMNS.join("|")];
  const step = bad ? Math.max(1, Math.floor(good / bad)) : Infinity;
  let placed = 0;
  for (let i = 0; i < good; i++) {
    const c: string[] = ALL_COLUMNS.map(() => "");
    c[col("Type de BAL")] = "PER";
    c[col("Adresse BAL")] = `p${i}@medecin.mssante.fr`;
    c[col("Nom d'exercice")] = `NOM${i}`;
    lines.push(c.join("|"));
    if (placed < bad && (i + 1) % step === 0) {
      lines.push(c.slice(1).join("|"));
      placed++;
    }
  }
  for (; placed < bad; placed++)
    lines.push(
      ALL_COLUMNS.slice(1)
        .map(() => "")
        .join("|"),
    );
  return Readable.from([Buffer.from(`${lines.join("\n")}\n`)]);
}

async function parse(good: number, bad: number) {
  return parseExtraction(extraction(good, bad), new EntryList());
}

describe("malformed lines", () => {
  it("a large file: up to 0.1% of its lines are skipped with a warning, more fail the import", async () => {
    const ok = await parse(100_000, 100); // 100 ≤ 0.1% of 100,100
    expect(ok).toMatchObject({ count: 100_000, lines: 100_100, skipped: 100 });
    expect(ok.warnings.join("\n")).toMatch(/100 malformed line\(s\) skipped: line \d+: 30 columns instead of 31/);
    const err = await parse(100_000, 101).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).kind).toBe("input");
    expect((err as ImportError).message).toMatch(/^101 of 100101 lines are malformed .*Download it again\.$/);
  });

  it("a small file: up to 10 are skipped, 11 fail the import", async () => {
    expect((await parse(300, 10)).skipped).toBe(10);
    await expect(parse(300, 11)).rejects.toThrow(/^11 of 311 lines are malformed/);
    expect((await parse(50, 0)).warnings).toEqual([]);
  });
});
