/**
 * How many malformed lines an extraction may have (bridge/directory/README.md, "Decisions"): more
 * than 10, or more than 1% of the lines when that is fewer, fail the import, so a damaged file
 * never replaces the index in use; fewer are skipped and reported as a warning.
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
  for (; placed < bad; placed++) lines.push(ALL_COLUMNS.slice(1).map(() => "").join("|"));
  return Readable.from([Buffer.from(lines.join("\n") + "\n")]);
}

async function parse(good: number, bad: number) {
  return parseExtraction(extraction(good, bad), new EntryList());
}

describe("malformed lines", () => {
  it("a large file: up to 10 are skipped with a warning, 11 fail the import (not 1%)", async () => {
    const ok = await parse(5000, 10);
    expect(ok).toMatchObject({ count: 5000, lines: 5010, skipped: 10 });
    expect(ok.warnings.join("\n")).toMatch(/10 malformed line\(s\) skipped: line \d+: 30 columns instead of 31/);
    const err = await parse(5000, 11).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as ImportError).kind).toBe("input");
    expect((err as ImportError).message).toMatch(/^11 of 5011 lines are malformed .*Download it again\.$/);
  });

  it("a small file: more than 1% of its lines fail the import, even under 10", async () => {
    expect((await parse(300, 3)).skipped).toBe(3); // 3 ≤ 1% of 303
    await expect(parse(300, 4)).rejects.toThrow(/^4 of 304 lines are malformed/);
    await expect(parse(50, 1)).rejects.toThrow(/^1 of 51 lines are malformed/);
    expect((await parse(50, 0)).warnings).toEqual([]);
  });
});
