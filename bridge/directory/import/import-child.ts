/**
 * Runs one import in its own process (started by run-import.ts): parsing and building take a few
 * hundred MB for the full extraction, which the bridge gets back at once when this process ends.
 * Input: the options in one IPC message, asked for with "ready" (never on the command line, which
 * other local users can read: the proxy URL may hold credentials). Output: progress and the result
 * as IPC messages.
 */
import { importExtraction } from "./import-extraction.ts";
import { ImportError } from "./import-error.ts";
import type { ImportStart } from "./run-import.ts";

const send = (m: unknown) => process.send?.(m);

async function main(opts: ImportStart["options"]): Promise<void> {
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

if (!process.send) {
  process.stderr.write("import-child: started without an IPC channel; the bridge starts this process itself.\n");
  process.exit(2);
}
process.once("message", (m: ImportStart) => {
  if (m?.kind === "start") void main(m.options);
  else {
    process.stderr.write("import-child: unexpected first message\n");
    process.exit(2);
  }
});
send({ kind: "ready" });
