/**
 * The extraction inside the official ZIP, streamed with yauzl, zip-bomb safe: the declared size
 * and the compression ratio are checked before reading, and the bytes actually inflated are
 * counted while reading (a lying header cannot get past the cap).
 */
import { Transform, type Readable } from "node:stream";
import yauzl from "yauzl";
import { ImportError } from "./import-error.ts";

export const MAX_UNCOMPRESSED_BYTES = 1024 ** 3; // the real extraction is ~90 MB
export const MAX_RATIO = 100; // text compresses ~5×; a bomb compresses ~1000×

export interface ZipEntryStream {
  stream: Readable;
  name: string;
  /** The inflated size the ZIP declares (checked while inflating: a wrong one fails the stream). */
  size: number;
  /** Closes the ZIP without reading the entry (when another thread inflates it). */
  close(): void;
}

const EXTRACTION_NAME = /(^|\/)Extraction_Correspondance_MSSante[^/]*\.txt$/i;

export function openExtractionInZip(
  file: string,
  limits = { maxBytes: MAX_UNCOMPRESSED_BYTES, maxRatio: MAX_RATIO },
): Promise<ZipEntryStream> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) {
        reject(
          new ImportError("input", `The file is not a readable ZIP (${err?.message ?? "unknown error"}). Download the extraction again.`),
        );
        return;
      }
      const txts: yauzl.Entry[] = [];
      zip.on("entry", (entry: yauzl.Entry) => {
        if (!entry.fileName.endsWith("/")) {
          if (EXTRACTION_NAME.test(entry.fileName) || /\.txt$/i.test(entry.fileName)) txts.push(entry);
        }
        zip.readEntry();
      });
      zip.on("error", (e: Error) => {
        zip.close();
        reject(new ImportError("input", `The ZIP is corrupt (${e.message}). Download the extraction again.`));
      });
      zip.on("end", () => {
        const entry = txts.find((e) => EXTRACTION_NAME.test(e.fileName)) ?? txts[0];
        if (!entry) {
          zip.close();
          reject(
            new ImportError(
              "input",
              "The ZIP holds no extraction (no Extraction_Correspondance_MSSante_….txt file inside). Check that it is the MSSanté directory extraction.",
            ),
          );
          return;
        }
        const ratio = entry.compressedSize > 0 ? entry.uncompressedSize / entry.compressedSize : Infinity;
        if (entry.uncompressedSize > limits.maxBytes || (entry.uncompressedSize > 1024 * 1024 && ratio > limits.maxRatio)) {
          zip.close();
          reject(
            new ImportError(
              "input",
              `The ZIP entry ${entry.fileName} declares ${entry.uncompressedSize} bytes (ratio ${ratio.toFixed(0)}:1), beyond the limits for an extraction; refusing it as a possible ZIP bomb.`,
            ),
          );
          return;
        }
        zip.openReadStream(entry, (e2, raw) => {
          if (e2 || !raw) {
            zip.close();
            reject(new ImportError("input", `Cannot read ${entry.fileName} in the ZIP (${e2?.message}). Download the extraction again.`));
            return;
          }
          let seen = 0;
          const cap = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              seen += chunk.length;
              if (seen > limits.maxBytes)
                cb(new ImportError("input", "The ZIP entry inflates beyond the size limit; refusing it as a possible ZIP bomb."));
              else cb(null, chunk);
            },
          });
          raw.on("error", (e: Error) => {
            zip.close();
            cap.destroy(
              e instanceof ImportError
                ? e
                : new ImportError("input", `The ZIP entry is corrupt or truncated (${e.message}). Download the extraction again.`),
            );
          });
          raw.on("end", () => zip.close());
          cap.on("error", () => zip.close());
          const close = () => {
            raw.unpipe(cap);
            raw.destroy();
            zip.close();
          };
          resolve({ stream: raw.pipe(cap), name: entry.fileName.split("/").pop() ?? entry.fileName, size: entry.uncompressedSize, close });
        });
      });
      zip.readEntry();
    });
  });
}
