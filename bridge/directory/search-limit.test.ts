/**
 * The k best are the first k of the 100 best, for any k: multi-token search leaves a posting list
 * as soon as its next entries cannot enter the k best (packed-index.ts, searchMany), so a smaller k
 * reads less; this checks the shortcut never changes what is found, on a generated directory and
 * queries built like the slow ones of the benchmark (a short surname prefix and a very common
 * word of another field).
 */
import { describe, expect, it } from "vitest";
import { ALL_COLUMNS, readHeader } from "./import/columns.ts";
import { EntryList, EntryMerger } from "./import/records.ts";
import { foldText } from "./search/normalize.ts";
import { extractionLines } from "../demo/generator/extraction.ts";
import { buildIndex } from "./index/build-index.ts";
import { INDEX_FORMAT_VERSION, inMemoryIndex } from "./index/index-file.ts";
import { PackedIndex } from "./index/packed-index.ts";

describe("multi-token search with a limit", () => {
  it("finds the first k of what a larger limit finds, for k = 1, 5, 20", () => {
    const [header, ...lines] = [...extractionLines({ lines: 8000, seed: 5 })];
    const list = new EntryList();
    const merger = new EntryMerger(readHeader(header!), list);
    lines.forEach((l, i) => {
      merger.addLine(l, i + 2);
    });
    const parts = buildIndex(list.entries);
    const meta = {
      formatVersion: INDEX_FORMAT_VERSION,
      sourceDate: null,
      sourceName: null,
      builtAt: "",
      count: list.entries.length,
      lines: lines.length,
      tokens: parts.dict.length,
      warnings: [],
    };
    const idx = new PackedIndex(inMemoryIndex(parts, meta));
    const surname = ALL_COLUMNS.indexOf("Nom d'exercice");
    const prefixes = [
      ...new Set(
        lines
          .map((l) =>
            foldText(l.split("|")[surname] ?? "")
              .replace(/[^a-z]/g, "")
              .slice(0, 3),
          )
          .filter((p) => p.length === 3),
      ),
    ].slice(0, 60);
    const common = ["med", "medecin", "sain", "saint", "inf", "chu", "pharm", "paris", "lyon", "gen", "a", "m"];
    let compared = 0;
    for (const p of prefixes) {
      for (const c of common) {
        for (const q of [`${p} ${c}`, `${c} ${p}`, `${p} ${c} ${common[(p.charCodeAt(0) + c.length) % common.length]}`]) {
          const all = idx.search(q, 100).results.map((e) => e.email);
          for (const k of [1, 5, 20])
            expect(
              idx.search(q, k).results.map((e) => e.email),
              `${q} (k=${k})`,
            ).toEqual(all.slice(0, k));
          if (all.length > 20) compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(100); // queries with more matches than the limit, where the shortcut applies
  }, 30_000); // 2,160 queries × 4 searches: about 2 s alone, over 5 s on a loaded 2-core machine; not a timing test
});
