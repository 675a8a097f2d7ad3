/** `<data dir>/runtime.json`: how commands and tests find the running bridge (port, pid; no secret). */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";

export interface RuntimeInfo {
  pid: number;
  port: number;
  addresses: string[];
  demo: boolean;
  bridgeVersion: string;
  startedAt: string;
}

export function writeRuntimeFile(file: string, info: RuntimeInfo): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function readRuntimeFile(file: string): RuntimeInfo | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as RuntimeInfo;
  } catch {
    return null;
  }
}

export function removeRuntimeFile(file: string, pid = process.pid): void {
  if (readRuntimeFile(file)?.pid === pid) {
    try {
      unlinkSync(file);
    } catch {}
  }
}
