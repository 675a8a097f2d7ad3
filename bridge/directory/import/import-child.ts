/**
 * Runs one import in its own process (started by run-import.ts): parsing and building take a few
 * hundred MB for the full extraction, which the bridge gets back at once when this process ends.
 * Input: JSON options in argv[2]. Output: progress and the result as IPC messages.
 */
import { importExtraction, type ImportOptions } from "./import-extraction.ts";
import { ImportError } from "./import-error.ts";

const send = (m: unknown) => process.send?.(m);

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? "{}") as Omit<ImportOptions, "onProgress">;
  let lastSent = 0;
  try {
    const summary = await importExtraction({
      ...opts,
      onProgress: (phase, done, total, message) => {
        const now = Date.now();
        // Throttle: the parent only needs a few updates a second.
        if (phase === "done" || phase === "failed" || now - lastSent > 200) {
          lastSent = now;
          send({ kind: "progress", phase, done, total, message });
        }
      },
    });
    send({ kind: "done", summary });
  } catch (e) {
    const err = e instanceof ImportError ? e : new ImportError("io", (e as Error).message);
    send({ kind: "error", errorKind: err.kind, message: err.message });
    process.exitCode = 1;
  }
  process.disconnect?.();
}

void main();
