/**
 * Reading a file while another thread writes it (a ZIP's extraction being inflated by a worker
 * thread, import-threads.ts): the writer reports how far it has written, readers wait for the
 * bytes they need. A file already complete is the same thing, written to its end.
 */
import { open } from "node:fs/promises";
import { ImportError } from "./import-error.ts";

const CHUNK = 1024 * 1024;

export class GrowingFile {
  private waiters: (() => void)[] = [];

  /** `size`: the final size (a ZIP declares it; yauzl fails the inflation if it is wrong). */
  constructor(
    readonly path: string,
    readonly size: number,
    public written = 0,
    public done = false,
  ) {}

  /** A file complete on disk. */
  static complete(path: string, size: number): GrowingFile {
    return new GrowingFile(path, size, size, true);
  }

  /** The writer has written `bytes` (and finished when `done`); readers waiting for them go on. */
  advance(bytes: number, done = false): void {
    this.written = Math.max(this.written, bytes);
    this.done ||= done;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Wakes the readers to see `signal` aborted (the writer failed, or another part did). */
  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `bytes` are written (or the writer is done); rejects once `signal` is aborted. */
  async waitFor(bytes: number, signal: AbortSignal): Promise<void> {
    while (!this.done && this.written < Math.min(bytes, this.size)) {
      if (signal.aborted) throw stopped();
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (signal.aborted) throw stopped();
  }
}

function stopped(): ImportError {
  return new ImportError("io", "The import was stopped before it finished.");
}

/**
 * The bytes of `file` from `start`, in chunks of at most 1 MB, up to `end()`: a position that may
 * be decided while reading (null: not yet, read on as far as the file goes). A chunk is never
 * read past an end decided before it was started; `reserved()` tells how far reading has gone or
 * is going, so an end decided later can be put beyond it.
 */
export function readGrowing(
  file: GrowingFile,
  start: number,
  end: () => number | null,
  signal: AbortSignal,
): { chunks: AsyncGenerator<Buffer>; reserved: () => number } {
  let reserved = start;
  async function* chunks(): AsyncGenerator<Buffer> {
    const fd = await open(file.path, "r");
    try {
      let pos = start;
      for (;;) {
        const limit = end() ?? file.size;
        if (pos >= limit) return;
        const want = Math.min(pos + CHUNK, limit);
        reserved = want;
        await file.waitFor(want, signal);
        const upTo = Math.min(want, file.written);
        if (upTo <= pos) return; // the writer is done short of what was declared (it reports its own error)
        const buf = Buffer.allocUnsafe(upTo - pos);
        let got = 0;
        while (got < buf.length) {
          const { bytesRead } = await fd.read(buf, got, buf.length - got, pos + got);
          if (bytesRead === 0) throw new ImportError("io", "The extraction being read ended early. Download it again.");
          got += bytesRead;
        }
        pos = upTo;
        yield buf;
      }
    } finally {
      await fd.close();
    }
  }
  return { chunks: chunks(), reserved: () => reserved };
}
