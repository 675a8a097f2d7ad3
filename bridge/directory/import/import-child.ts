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
  let lastPhase: string | null = null;
  let pending: unknown = null;
  try {
    const summary = await importExtraction({
      ...opts,
      onProgress: (phase, done, total, message) => {
        const now = Date.now();
        const msg = { kind: "progress", phase, done, total, message };
        // Throttle to a few updates a second, but never lose a phase's last figures.
        if (phase !== lastPhase && pending) send(pending);
        if (phase !== lastPhase || phase === "done" || phase === "failed" || now - lastSent > 200) {
          lastSent = now;
          lastPhase = phase;
          pending = null;
          send(msg);
        } else pending = msg;
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
