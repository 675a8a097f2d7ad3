/**
 * The regression corpus: frames that once made a hardening test fail (or that the threat model
 * names), kept as JSON in ./corpus so they are sent on every run before the seeded cases.
 * A case is `text` (a text frame) or `textRepeat` (open×times + middle + close×times, for frames too
 * big to write out), or `bytesBase64` (+ `binary`). `code`, when given, is the error code required.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FuzzCase } from "./fuzz-generator.ts";

export const CORPUS_DIR = fileURLToPath(new URL("./corpus/", import.meta.url));

export interface CorpusCase extends FuzzCase {
  file: string;
  code?: number;
}

interface RawCase {
  family: string;
  text?: string;
  textRepeat?: { open: string; middle: string; close: string; times: number };
  bytesBase64?: string;
  binary?: boolean;
  expect: "reply" | "close";
  code?: number;
}

export function loadCorpus(dir = CORPUS_DIR): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const doc = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { cases: RawCase[] };
    for (const c of doc.cases) {
      const text = c.textRepeat
        ? c.textRepeat.open.repeat(c.textRepeat.times) + c.textRepeat.middle + c.textRepeat.close.repeat(c.textRepeat.times)
        : c.text;
      out.push({
        n: -1 - out.length,
        file,
        family: c.family,
        expect: c.expect,
        ...(text !== undefined ? { text } : {}),
        ...(c.bytesBase64 !== undefined ? { bytesBase64: c.bytesBase64, binary: c.binary ?? false } : {}),
        ...(c.code !== undefined ? { code: c.code } : {}),
      });
    }
  }
  return out;
}
