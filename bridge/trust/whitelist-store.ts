/**
 * Where the trust-space list comes from: a file or a URL (config trust.whitelistSource), cached in
 * the data directory (`<data dir>/trust/whitelist.xml` + `whitelist.json` with its dates) so the
 * bridge keeps answering with the last good copy when a download fails or the network is gone.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { packageFile } from "../platform/package-root.ts";
import { download } from "./download.ts";
import { parseWhitelistXml, type ParsedWhitelist } from "./whitelist.ts";

export interface LoadedWhitelist {
  list: ParsedWhitelist;
  domainSet: ReadonlySet<string>;
  /** Where it was read from (URL or file), and when (ISO 8601). */
  source: string;
  fetchedAt: string;
  /** Served from the cache because the source could not be read now. */
  fromCache: boolean;
  /** Why the source could not be read (when fromCache is true after a failure). */
  sourceError: string | null;
}

interface CacheMeta {
  source: string;
  fetchedAt: string;
  sha256: string;
}

export interface WhitelistStoreOptions {
  /** URL (http/https), file: URL or path. */
  source: string;
  /** Cache directory (dataPaths(dir).trustCache), null for no cache. */
  cacheDir: string | null;
  proxy?: string | null;
  /** PEM file with extra CA certificates for the download. */
  extraCaFile?: string | null;
  timeoutMs?: number;
  now?: () => Date;
}

/** The bundled list for tests and the demo only (marked testOnly="true"); never a default. */
export const FALLBACK_WHITELIST_FILE = packageFile("bridge/trust/fallback-whitelist.xml");

/**
 * How far in the future a list's date may be (clocks differ a little). A list dated later is refused
 * when read from the source and when loaded from the cache: a date years ahead would make it beat
 * every real list (the extension keeps the newest list it has seen).
 */
export const MAX_LIST_CLOCK_SKEW_MS = 24 * 3600_000;

/** Throws TRUST_LIST_UNAVAILABLE when the list is dated more than the skew after `now`. */
function refuseFutureDate(list: ParsedWhitelist, now: Date): void {
  const t = list.date ? Date.parse(list.date) : Number.NaN;
  if (Number.isNaN(t) || t <= now.getTime() + MAX_LIST_CLOCK_SKEW_MS) return;
  throw new BridgeError(
    ErrorCode.TRUST_LIST_UNAVAILABLE,
    `The trust-space list is dated ${list.date}, in the future (this machine's clock says ${now.toISOString()}): refused. ` +
      "Check trust.whitelistSource and the machine's date and time.",
  );
}

export function isUrlSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

function withDate(list: ParsedWhitelist, fallbackDate: string): ParsedWhitelist {
  return list.date ? list : { ...list, date: fallbackDate };
}

function loaded(list: ParsedWhitelist, source: string, fetchedAt: string, fromCache: boolean, sourceError: string | null): LoadedWhitelist {
  return { list, domainSet: new Set(list.domains), source, fetchedAt, fromCache, sourceError };
}

export class WhitelistStore {
  private readonly opts: WhitelistStoreOptions;
  constructor(opts: WhitelistStoreOptions) {
    this.opts = opts;
  }

  private clock(): Date {
    return (this.opts.now ?? (() => new Date()))();
  }

  private get files() {
    const dir = this.opts.cacheDir;
    return dir ? { dir, xml: path.join(dir, "whitelist.xml"), meta: path.join(dir, "whitelist.json") } : null;
  }

  /** The cached copy, or null when there is none (or it is unreadable). Never throws. */
  readCache(): LoadedWhitelist | null {
    const f = this.files;
    if (!f) return null;
    try {
      const meta = JSON.parse(readFileSync(f.meta, "utf8")) as CacheMeta;
      const xml = readFileSync(f.xml, "utf8");
      const list = withDate(parseWhitelistXml(xml), meta.fetchedAt);
      refuseFutureDate(list, this.clock());
      return loaded(list, meta.source, meta.fetchedAt, true, null);
    } catch {
      return null;
    }
  }

  private writeCache(xml: string, meta: CacheMeta): void {
    const f = this.files;
    if (!f) return;
    mkdirSync(f.dir, { recursive: true, mode: 0o700 });
    // Write-then-rename so a crash never leaves half a list in the cache.
    writeFileSync(`${f.xml}.tmp`, xml, { mode: 0o600 });
    renameSync(`${f.xml}.tmp`, f.xml);
    writeFileSync(`${f.meta}.tmp`, JSON.stringify(meta, null, 2), { mode: 0o600 });
    renameSync(`${f.meta}.tmp`, f.meta);
  }

  /** Reads the source now. Throws BridgeError TRUST_LIST_UNAVAILABLE (with what to do) on failure. */
  async fetchSource(): Promise<LoadedWhitelist> {
    const { source } = this.opts;
    const clock = this.clock();
    const now = clock.toISOString();
    let xml: string;
    let fallbackDate = now;
    try {
      if (isUrlSource(source)) {
        const extraCa = this.opts.extraCaFile ? readFileSync(this.opts.extraCaFile, "utf8") : null;
        const got = await download(source, { proxy: this.opts.proxy ?? null, extraCa, timeoutMs: this.opts.timeoutMs ?? 30_000 });
        xml = got.body.toString("utf8");
        // A server's Last-Modified ahead of our clock is not the list's date: never later than now.
        fallbackDate = got.lastModified && Date.parse(got.lastModified) < clock.getTime() ? got.lastModified : now;
      } else {
        const file = source.startsWith("file:") ? fileURLToPath(source) : source;
        xml = readFileSync(file, "utf8");
        fallbackDate = statSync(file).mtime.toISOString();
      }
    } catch (e) {
      throw new BridgeError(
        ErrorCode.TRUST_LIST_UNAVAILABLE,
        `Cannot read the trust-space list from ${source}: ${(e as Error).message}. ` +
          (isUrlSource(source)
            ? "Check the network, the proxy (network.proxy) and extra CA (network.extraCaFile), or set trust.whitelistSource to a local copy."
            : "Check trust.whitelistSource names an existing, readable file."),
      );
    }
    const list = withDate(parseWhitelistXml(xml), fallbackDate);
    refuseFutureDate(list, clock); // before the cache: a refused list never replaces the last good copy
    this.writeCache(xml, { source, fetchedAt: now, sha256: createHash("sha256").update(xml).digest("hex") });
    return loaded(list, source, now, false, null);
  }

  /**
   * Refreshes from the source; if that fails, keeps serving the cache (and says why). Throws only
   * when neither the source nor a cache is usable.
   */
  async load(): Promise<LoadedWhitelist> {
    try {
      return await this.fetchSource();
    } catch (e) {
      const cached = this.readCache();
      if (cached) return { ...cached, sourceError: (e as Error).message };
      throw e;
    }
  }
}
