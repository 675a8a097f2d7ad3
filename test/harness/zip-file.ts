/**
 * ZIP files for the directory tests (yazl): the official extraction ships as a ZIP; tests also
 * build bad ones (no extraction inside, a bomb, cut short).
 */
import { writeFileSync } from "node:fs";
import yazl from "yazl";

export interface ZipMember {
  name: string;
  data: Buffer;
  /** Deflated (default) or stored. */
  compress?: boolean;
}

/** The bytes of a ZIP holding `files`. */
export function zipBytes(files: ZipMember[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    for (const f of files) z.addBuffer(f.data, f.name, { compress: f.compress ?? true, mtime: new Date(0) });
    z.end();
    const chunks: Buffer[] = [];
    z.outputStream.on("data", (c: Buffer) => chunks.push(c));
    z.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    z.outputStream.on("error", reject);
  });
}

/** Writes a ZIP holding `files` to `dest`; returns `dest`. */
export async function writeZip(dest: string, files: ZipMember[]): Promise<string> {
  writeFileSync(dest, await zipBytes(files));
  return dest;
}
