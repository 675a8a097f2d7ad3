/**
 * Stream-parses the extraction text: strict UTF-8 (invalid bytes are an error, not replaced),
 * optional BOM, LF or CRLF line ends, header by name. Never holds more than one chunk of text.
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

/** Malformed (skipped) lines tolerated: at most 10, and at most 1% of the lines. */
export const MAX_MALFORMED_LINES = 10;
export const MAX_MALFORMED_SHARE = 0.001;

/** `onBytes` reports bytes consumed (for progress). */
export async function parseExtraction(stream: Readable, sink: EntrySink, onBytes?: (bytes: number) => void): Promise<ParsedExtraction> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let header: HeaderMap | null = null;
  let merger: EntryMerger | null = null;
  let rest = "";
  let lineNo = 0;
  let bytes = 0;

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
      bytes += chunk.length;
      onBytes?.(bytes);
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new ImportError(
          "input",
          `The file is not valid UTF-8 text (invalid bytes near byte ${bytes - chunk.length}); it is not an MSSanté extraction or it is corrupt. Download it again.`,
        );
      }
      if (lineNo === 0 && rest === "" && text.includes("\u0000")) {
        throw new ImportError("input", "The file contains binary data, not the extraction's text. Download the extraction again.");
      }
      let start = 0;
      let nl = text.indexOf("\n");
      if (nl >= 0) {
        takeLine(rest + text.slice(0, nl));
        rest = "";
        start = nl + 1;
        while ((nl = text.indexOf("\n", start)) >= 0) {
          takeLine(text.slice(start, nl));
          start = nl + 1;
        }
      }
      rest += text.slice(start);
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
  if (bytes === 0) throw new ImportError("input", "The extraction file is empty (0 bytes). Download it again.");
  if (rest.length > 0) {
    // A last line without its line end that is short of columns: the file was cut.
    const line = rest.endsWith("\r") ? rest.slice(0, -1) : rest;
    const h = header as HeaderMap | null;
    if (h && line.split("|").length < h.columnCount) {
      throw new ImportError("input", `The extraction is truncated (its last line, line ${lineNo + 1}, is incomplete). Download it again.`);
    }
    takeLine(rest);
  }
  if (!header || !merger) throw new ImportError("input", "The file has no header line. It is not an MSSanté extraction.");
  const m = merger as EntryMerger;
  if (m.count === 0) throw new ImportError("input", "The extraction has a header but no entries. Download it again.");
  // Every skipped line is a mailbox missing from the new index, which would replace one that may
  // have it; but a public file of 536,000 lines with a handful of odd ones must not fail every
  // daily refresh (the index would go stale for everyone). So: up to 10 malformed lines, or 0.1%
  // of the lines when that is more (536 at full size), are skipped with a warning; more fail the
  // import and the previous index stays in use.
  if (m.skipped > Math.max(MAX_MALFORMED_LINES, m.lines * MAX_MALFORMED_SHARE)) {
    throw new ImportError(
      "input",
      `${m.skipped} of ${m.lines} lines are malformed (${m.problems.slice(0, 3).join("; ")}); the file is corrupt or not an extraction. Download it again.`,
    );
  }
  const warnings = [...(header as HeaderMap).warnings];
  if (m.skipped) warnings.push(`${m.skipped} malformed line(s) skipped: ${m.problems.slice(0, 5).join("; ")}`);
  return { count: m.count, lines: m.lines, skipped: m.skipped, warnings };
}
