/**
 * The offline directory: the packed index in the data directory (or a machine-wide one, opened
 * read-only), its import from the configured source and the scheduled refresh.
 * A new index is built beside the old one and renamed over it; this object keeps serving from the
 * old one until the new one has opened cleanly, so a failed import changes nothing.
 */
import { existsSync, readdirSync, statSync, unlinkSync } from "node:fs";
import path from "node:path";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import type { DirectoryEntry, DirectoryStatus } from "../../shared/domain/directory-entry.ts";
import type { DirectoryService, ImportProgress, SearchOutcome } from "../services.ts";
import { IndexFormatError, openIndexFile } from "./index/index-file.ts";
import { PackedIndex } from "./index/packed-index.ts";
import { importExtraction, type ImportOptions, type ImportSummary } from "./import/import-extraction.ts";
import { ImportError } from "./import/import-error.ts";
import { runImportInChild } from "./import/run-import.ts";
import { RefreshScheduler } from "./refresh-scheduler.ts";

export const STALE_AFTER_DAYS = 7;

/**
 * Removes what an import killed midway left beside the index (its temporary index file, its
 * download, a ZIP's inflated extraction), when the process that wrote it is gone.
 */
export function removeStaleTempFiles(dbPath: string): void {
  const dir = path.dirname(path.resolve(dbPath));
  const base = path.basename(dbPath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(`.${base}.tmp-`) ? /\.tmp-(\d+)-/.exec(name) : /^\.(?:download|extraction)-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === "EPERM";
    }
    if (!alive) {
      try {
        unlinkSync(path.join(dir, name));
      } catch {
        /* already gone */
      }
    }
  }
}

export interface OfflineDirectoryOptions {
  /** The index file (dataPaths(dir).directoryIndex, or `--db`). */
  dbPath: string;
  /** config.directory.extractionSource: URL or file (never from a client). */
  extractionSource: string;
  /** A machine-wide index shared read-only: no import, no schedule. */
  readOnly?: boolean;
  /** config.directory.refreshHours (0 disables); the schedule runs after start(). */
  refreshHours?: number;
  /** config.network */
  proxy?: string | null;
  extraCaFile?: string | null;
  /** Run imports in a child process (default true; tests of pure logic may run in-process). */
  importInChildProcess?: boolean;
  /** Reports scheduled-refresh failures (the bridge logs them). */
  onRefreshError?: (e: Error) => void;
  now?: () => number;
}

interface FileId {
  ino: number;
  mtimeMs: number;
  size: number;
}

export class OfflineDirectory implements DirectoryService {
  private index: PackedIndex | null = null;
  private fileId: FileId | null = null;
  private lastCheck = 0;
  private importing: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private scheduler: RefreshScheduler | null = null;
  /** Why the index could not be opened or the last import failed (shown by status commands). */
  lastError: string | null = null;
  lastImport: ImportSummary | null = null;

  constructor(private readonly opts: OfflineDirectoryOptions) {
    this.reload();
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private statId(): FileId | null {
    try {
      const st = statSync(this.opts.dbPath);
      return { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size };
    } catch {
      return null;
    }
  }

  /**
   * (Re)opens the index file. A missing or broken file keeps the current index (if any) serving.
   * Returns true when a new index was swapped in.
   */
  reload(): boolean {
    const id = this.statId();
    this.lastCheck = this.now();
    if (!id) {
      if (!this.index) this.lastError = existsSync(this.opts.dbPath) ? "the index file cannot be read" : null;
      return false;
    }
    if (this.fileId && id.ino === this.fileId.ino && id.mtimeMs === this.fileId.mtimeMs && id.size === this.fileId.size) return false;
    try {
      const next = new PackedIndex(openIndexFile(this.opts.dbPath));
      const old = this.index;
      this.index = next;
      this.fileId = id;
      old?.close();
      this.lastError = null;
      return true;
    } catch (e) {
      const why = e instanceof IndexFormatError ? e.message : (e as Error).message;
      this.lastError =
        `The directory index ${this.index ? "update" : ""} could not be opened: ${why}. Import the extraction again.`.replace("  ", " ");
      this.fileId = id; // do not retry the same broken file on every call
      return false;
    }
  }

  /** Picks up an index replaced by another process (the CLI, an administrator), at most once a minute. */
  private maybeReload(): void {
    if (this.now() - this.lastCheck > 60_000) this.reload();
  }

  private current(): PackedIndex {
    this.maybeReload();
    if (!this.index) {
      throw new BridgeError(
        ErrorCode.DIRECTORY_UNAVAILABLE,
        this.lastError ??
          "No directory index yet. Import the MSSanté extraction (mss-bridge directory import, or wait for the scheduled download).",
      );
    }
    return this.index;
  }

  async search(query: string, limit?: number): Promise<SearchOutcome> {
    return this.current().search(query, limit);
  }

  async lookupByIdNat(idNat: string): Promise<DirectoryEntry[]> {
    return this.current().lookupByIdNat(idNat);
  }

  async lookupByAddress(address: string): Promise<DirectoryEntry | null> {
    return this.current().lookupByAddress(address);
  }

  /** Synchronous access for the command line and benchmarks. */
  get packed(): PackedIndex | null {
    this.maybeReload();
    return this.index;
  }

  status(): DirectoryStatus {
    this.maybeReload();
    const meta = this.index?.data.meta;
    if (!meta) return { source: "none", sourceDate: null, builtAt: null, count: 0, ageDays: null, stale: false };
    const ref = Date.parse(meta.sourceDate ?? meta.builtAt);
    const ageDays = Number.isNaN(ref) ? null : Math.max(0, Math.round(((this.now() - ref) / 86_400_000) * 10) / 10);
    return {
      source: "offline",
      sourceDate: meta.sourceDate,
      builtAt: meta.builtAt,
      count: meta.count,
      ageDays,
      stale: ageDays !== null && ageDays > STALE_AFTER_DAYS,
    };
  }

  /** Age of the index in ms (by build time: the schedule is about when we last refreshed). */
  private ageMs(): number | null {
    const built = this.index?.data.meta.builtAt;
    return built ? this.now() - Date.parse(built) : null;
  }

  async importFromConfiguredSource(onProgress: (p: ImportProgress) => void): Promise<void> {
    return this.importFrom(this.opts.extractionSource, onProgress);
  }

  /** Import from a source given by the bridge's own configuration or command line (never a client). */
  importFrom(source: string, onProgress: (p: ImportProgress) => void = () => {}): Promise<void> {
    if (this.opts.readOnly) {
      return Promise.reject(
        new BridgeError(ErrorCode.IMPORT_FAILED, "This directory index is shared read-only; it is updated by its administrator."),
      );
    }
    if (this.importing !== null)
      return Promise.reject(new BridgeError(ErrorCode.IMPORT_IN_PROGRESS, "An import is already running; wait for it to finish."));
    const run = async () => {
      const options: ImportOptions = {
        source,
        dbPath: this.opts.dbPath,
        proxy: this.opts.proxy ?? null,
        extraCaFile: this.opts.extraCaFile ?? null,
        minCount: this.index ? Math.floor(this.index.count / 2) : 0,
        onProgress: (phase, done, total, message) => onProgress({ phase, done, total, message }),
      };
      removeStaleTempFiles(this.opts.dbPath);
      this.abort = new AbortController();
      try {
        this.lastImport =
          this.opts.importInChildProcess === false ? await importExtraction(options) : await runImportInChild(options, this.abort.signal);
      } catch (e) {
        removeStaleTempFiles(this.opts.dbPath);
        const msg = e instanceof ImportError ? e.message : `The import failed: ${(e as Error).message}`;
        this.lastError = msg;
        onProgress({ phase: "failed", done: 0, total: null, message: msg });
        throw new BridgeError(ErrorCode.IMPORT_FAILED, `${msg} The previous directory is still in use.`, {
          kind: e instanceof ImportError ? e.kind : "io",
        });
      }
      this.fileId = null; // force reopening even if the inode was reused
      if (!this.reload() && !this.index) {
        throw new BridgeError(ErrorCode.IMPORT_FAILED, this.lastError ?? "The new index could not be opened.");
      }
    };
    this.importing = run().finally(() => {
      this.importing = null;
      this.abort = null;
    });
    return this.importing;
  }

  get importInProgress(): boolean {
    return this.importing !== null;
  }

  /** Starts the scheduled refresh (no-op when read-only or refreshHours is 0). */
  start(): void {
    if (this.opts.readOnly || !this.opts.refreshHours || this.scheduler) return;
    this.scheduler = new RefreshScheduler({
      intervalHours: this.opts.refreshHours,
      ageMs: () => this.ageMs(),
      run: () => this.importFromConfiguredSource(() => {}),
      onError: (e) => this.opts.onRefreshError?.(e),
    });
    this.scheduler.start();
  }

  /** Stops a running import (its partial files are removed; the current index keeps serving). */
  cancelImport(): void {
    this.abort?.abort();
  }

  async close(): Promise<void> {
    this.scheduler?.stop();
    this.scheduler = null;
    this.cancelImport();
    await this.importing?.catch(() => {});
    this.index?.close();
    this.index = null;
    this.fileId = null;
  }
}

/** What the composition root passes (bridge/app/create-services.ts). */
export interface CreateDirectoryOptions {
  config: import("../config/config.ts").BridgeConfig;
  dataDir: string;
  log?: { warn(msg: string, data?: Record<string, unknown>): void; info?(msg: string, data?: Record<string, unknown>): void };
}

/**
 * Builds the offline directory from the configuration and starts its refresh schedule.
 * An explicit `directory.dbPath` the user cannot write is a machine-wide index: opened read-only,
 * never imported into or refreshed by this user.
 */
export async function createDirectoryService(o: CreateDirectoryOptions): Promise<OfflineDirectory> {
  const { dataPaths } = await import("../config/data-dir.ts");
  const { accessSync, constants } = await import("node:fs");
  const path = await import("node:path");
  const dbPath = o.config.directory.dbPath ?? dataPaths(o.dataDir).directoryIndex;
  let readOnly = false;
  if (o.config.directory.dbPath) {
    try {
      accessSync(path.dirname(path.resolve(dbPath)), constants.W_OK);
    } catch {
      readOnly = true;
    }
  }
  const dir = new OfflineDirectory({
    dbPath,
    extractionSource: o.config.directory.extractionSource,
    readOnly,
    refreshHours: o.config.directory.refreshHours,
    proxy: o.config.network.proxy,
    extraCaFile: o.config.network.extraCaFile,
    onRefreshError: (e) => o.log?.warn("scheduled directory refresh failed", { error: e.message }),
  });
  if (dir.lastError) o.log?.warn("directory index unavailable", { error: dir.lastError });
  dir.start();
  return dir;
}
