/**
 * Stream-parses the extraction text: strict UTF-8 (invalid bytes are an error, not replaced),
 * optional BOM, LF or CRLF line ends, header by name. Never holds more than one chunk of text.
 *
 * Two steps, so a file can be parsed in parts at once (import-threads.ts): `parseLines` reads one
 * stream of whole lines into an EntryMerger (the first part also reads the header);
 * `checkParsed` judges the totals (no entries, too many malformed lines) once all parts are in.
 */
import type { Readable } from "node:stream";
import { HeaderError, readHeader, type HeaderMap } from "./columns.ts";
import { EntryMerger, type EntrySink } from "./records.ts";
import { ImportError } from "./import-error.ts";

export interface ParsedExtraction {
  /** Mailboxes (addresses) after merging. */
  count: number;
  lines: number;
  skipped: number;
  warnings: string[];
}

/** Malformed (skipped) lines tolerated: at most 10, and at most 0.1% of the lines. */
export const MAX_MALFORMED_LINES = 10;
export const MAX_MALFORMED_SHARE = 0.001;

export interface ParsedLines {
  header: HeaderMap;
  merger: EntryMerger;
  /** Lines read, empty ones and the header included (to number the next part's lines). */
  physicalLines: number;
}

export interface ParseLinesOptions {
  /** The header, when the stream starts after it (a later part of the file); else read from the stream. */
  header?: HeaderMap;
  /** Where the stream starts in the file (for error messages). */
  byteOffset?: number;
  /** Bytes consumed so far (for progress). */
  onBytes?: (bytes: number) => void;
  /** Stops the parse between two chunks (another part failed). */
  signal?: AbortSignal;
}

// biome-ignore lint/complexity/noExcessiveCognitiveComplexity: one pass over every line of a 500k-line import; the chunk loop, its checks and its line splitting stay together on that path
export async function parseLines(stream: Readable, sink: EntrySink, opts: ParseLinesOptions = {}): Promise<ParsedLines> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: opts.header !== undefined });
  let header: HeaderMap | null = opts.header ?? null;
  let merger: EntryMerger | null = header ? new EntryMerger(header, sink) : null;
  let rest = "";
  let lineNo = 0;
  let bytes = 0;
  const start = opts.byteOffset ?? 0;

  const takeLine = (raw: string) => {
    lineNo++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (!header) {
      try {
        header = readHeader(line);
      } catch (e) {
        if (e instanceof HeaderError) throw new ImportError("input", e.message);
        throw e;
      }
      merger = new EntryMerger(header, sink);
      return;
    }
    merger!.addLine(line, lineNo);
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) throw new ImportError("io", "The import was stopped before it finished.");
      bytes += chunk.length;
      opts.onBytes?.(bytes);
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new ImportError(
          "input",
          `The file is not valid UTF-8 text (invalid bytes near byte ${start + bytes - chunk.length}); it is not an MSSanté extraction or it is corrupt. Download it again.`,
        );
      }
      if (!opts.header && lineNo === 0 && rest === "" && text.includes("\u0000")) {
        throw new ImportError("input", "The file contains binary data, not the extraction's text. Download the extraction again.");
      }
      let from = 0;
      let nl = text.indexOf("\n");
      if (nl >= 0) {
        takeLine(rest + text.slice(0, nl));
        rest = "";
        from = nl + 1;
        for (nl = text.indexOf("\n", from); nl >= 0; nl = text.indexOf("\n", from)) {
          takeLine(text.slice(from, nl));
          from = nl + 1;
        }
      }
      rest += text.slice(from);
    }
    try {
      rest += decoder.decode();
    } catch {
      throw new ImportError("input", "The file ends in the middle of a UTF-8 character: it is truncated. Download the extraction again.");
    }
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError("io", `Reading the extraction failed: ${(e as Error).message}`);
  }
  if (start + bytes === 0) throw new ImportError("input", "The extraction file is empty (0 bytes). Download it again.");
  if (rest.length > 0) {
    // A last line without its line end that is short of columns: the file was cut.
    const line = rest.endsWith("\r") ? rest.slice(0, -1) : rest;
    const h = header as HeaderMap | null;
    if (h && line.split("|").length < h.columnCount) {
      throw new ImportError("input", "The extraction is truncated (its last line is incomplete). Download it again.");
    }
    takeLine(rest);
  }
  if (!header || !merger) throw new ImportError("input", "The file has no header line. It is not an MSSanté extraction.");
  return { header, merger, physicalLines: lineNo };
}

/** Totals of all parts of one file → the verdict (throws ImportError) and the warnings. */
export function checkParsed(header: HeaderMap, t: { count: number; lines: number; skipped: number; problems: string[] }): ParsedExtraction {
  if (t.count === 0) throw new ImportError("input", "The extraction has a header but no entries. Download it again.");
  // Every skipped line is a mailbox missing from the new index, which would replace one that may
  // have it; but a public file of 536,000 lines with a handful of odd ones must not fail every
  // daily refresh (the index would go stale for everyone). So: up to 10 malformed lines, or 0.1%
  // of the lines when that is more (536 at full size), are skipped with a warning; more fail the
  // import and the previous index stays in use.
  if (t.skipped > Math.max(MAX_MALFORMED_LINES, t.lines * MAX_MALFORMED_SHARE)) {
    throw new ImportError(
      "input",
      `${t.skipped} of ${t.lines} lines are malformed (${t.problems.slice(0, 3).join("; ")}); the file is corrupt or not an extraction. Download it again.`,
    );
  }
  const warnings = [...header.warnings];
  if (t.skipped) warnings.push(`${t.skipped} malformed line(s) skipped: ${t.problems.slice(0, 5).join("; ")}`);
  return { count: t.count, lines: t.lines, skipped: t.skipped, warnings };
}

/** The whole extraction from one stream. `onBytes` reports bytes consumed (for progress). */
export async function parseExtraction(stream: Readable, sink: EntrySink, onBytes?: (bytes: number) => void): Promise<ParsedExtraction> {
  const { header, merger: m } = await parseLines(stream, sink, { onBytes });
  return checkParsed(header, { count: m.count, lines: m.lines, skipped: m.skipped, problems: m.problems });
}
