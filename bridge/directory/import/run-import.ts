/**
 * Runs importExtraction in a child process (see import-child.ts) so the bridge's own memory stays
 * at the size of the loaded index, and a crash during an import cannot take the bridge down.
 * The options go over the IPC channel, never on the command line: the proxy URL may carry
 * credentials, and any local user can read a process's command line.
 */
import { fork } from "node:child_process";
import { childEntry } from "../../platform/child-entry.ts";
import { ImportError } from "./import-error.ts";
import type { ImportOptions, ImportSummary } from "./import-extraction.ts";

/** The one message the parent sends, once the child says it is ready. */
export interface ImportStart {
  kind: "start";
  options: Omit<ImportOptions, "onProgress">;
}

/** Node flags of the import process: a young generation large enough for parsing's short-lived strings. */
export const IMPORT_CHILD_FLAGS = ["--max-semi-space-size=32"] as const;

/** `entry`: which build of the import process to run (default: the one this process runs from). */
export function runImportInChild(
  opts: ImportOptions,
  signal?: AbortSignal,
  entry = childEntry("import-child", ...IMPORT_CHILD_FLAGS),
): Promise<ImportSummary> {
  const { onProgress, ...rest } = opts;
  return new Promise((resolve, reject) => {
    const child = fork(entry.modulePath, [], {
      execArgv: entry.execArgv,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      signal,
    });
    let settled = false;
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    child.on("message", (m: { kind: string; [k: string]: unknown }) => {
      if (m.kind === "ready") {
        child.send({ kind: "start", options: rest } satisfies ImportStart);
      } else if (m.kind === "progress") {
        onProgress?.(m.phase as never, m.done as number, (m.total as number | null) ?? null, (m.message as string | null) ?? null);
      } else if (m.kind === "done" && !settled) {
        settled = true;
        resolve(m.summary as ImportSummary);
      } else if (m.kind === "error" && !settled) {
        settled = true;
        reject(new ImportError(m.errorKind as "input" | "io", m.message as string));
      }
    });
    child.on("error", (e) => {
      if (settled || signal?.aborted) return; // an abort is reported when the process has exited
      settled = true;
      reject(new ImportError("io", `The import process could not run: ${e.message}`));
    });
    child.on("exit", (code, sig) => {
      if (settled) return;
      settled = true;
      if (signal?.aborted) {
        reject(new ImportError("io", "The import was stopped before it finished."));
        return;
      }
      const why = sig ? `was stopped (${sig})` : `ended with code ${code}`;
      const detail = /heap out of memory/i.test(stderr) ? " (out of memory)" : "";
      reject(new ImportError("io", `The import process ${why}${detail}; the previous directory is still in use.`));
    });
  });
}
