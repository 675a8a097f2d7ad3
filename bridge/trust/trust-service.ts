/**
 * TrustService (bridge/services.ts): the trust-space list (loaded, cached, refreshed on a schedule)
 * and server discovery. check() and list() answer from memory; discover() asks DNS.
 */
import type { Discovery, TrustDecision, TrustList } from "../../shared/domain/trust.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { pscConfigProblem, type PscConfig } from "../../shared/domain/psc-provider.ts";
import { defaultConfig, type BridgeConfig, type OperatorPolicy } from "../config/config.ts";
import { dataPaths } from "../config/data-dir.ts";
import type { TrustService } from "../services.ts";
import {
  cardLogin,
  createResolver,
  DEFAULT_FRONT_MAPPING,
  discoverServers,
  policiesProblem,
  pscLogin,
  type FrontMapping,
  type OverrideTable,
  type SrvResolver,
} from "./discover.ts";
import { addressDomain, decideTrust } from "./whitelist.ts";
import { WhitelistStore, type LoadedWhitelist } from "./whitelist-store.ts";

/** What the service logs through (bridge/log/logger.ts fits). */
export interface TrustLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface TrustSpaceOptions {
  /** Whitelist URL, file: URL or path (config.trust.whitelistSource). */
  whitelistSource: string;
  /** Cache directory for the list (dataPaths(dataDir).trustCache); null disables the cache. */
  cacheDir: string | null;
  /** Refresh period in hours (config.trust.refreshHours); 0 disables the schedule. */
  refreshHours: number;
  /** Download settings (config.network). */
  proxy?: string | null;
  extraCaFile?: string | null;
  /** DNS server "host:port" (config.discovery.dnsServer); ignored when `resolver` is given. */
  dnsServer?: string | null;
  /** Injected resolver (tests, or a custom DNS client). */
  resolver?: SrvResolver;
  overrides?: OverrideTable;
  /** Operator policies (config.discovery.policies): which front and SMTP auth method a card login uses. Default: certificate front, External. */
  policies?: OperatorPolicy[];
  /** Pro Santé Connect (config.psc), for policies whose login is "psc". */
  psc?: PscConfig | null;
  frontMapping?: FrontMapping;
  logger?: TrustLogger;
  now?: () => Date;
}

/** With no list, list() starts a new attempt at most this often (the source may be back). */
export const RETRY_ON_DEMAND_MS = 60_000;

/** Options from the bridge's configuration and data directory. */
export function trustOptionsFromConfig(config: BridgeConfig, dataDir: string): TrustSpaceOptions {
  return {
    whitelistSource: config.trust.whitelistSource,
    cacheDir: dataPaths(dataDir).trustCache,
    refreshHours: config.trust.refreshHours,
    proxy: config.network.proxy,
    extraCaFile: config.network.extraCaFile,
    dnsServer: config.discovery.dnsServer,
    overrides: config.discovery.overrides,
    policies: config.discovery.policies,
    psc: config.psc,
  };
}

export class TrustSpace implements TrustService {
  private readonly opts: TrustSpaceOptions;
  private readonly store: WhitelistStore;
  private readonly resolver: SrvResolver;
  private current: LoadedWhitelist | null = null;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<LoadedWhitelist | null> | null = null;
  private lastAttemptAt = 0;
  /** Why the last refresh failed (null after a success). */
  lastError: string | null = null;

  constructor(opts: TrustSpaceOptions) {
    this.opts = opts;
    this.store = new WhitelistStore({
      source: opts.whitelistSource,
      cacheDir: opts.cacheDir,
      proxy: opts.proxy ?? null,
      extraCaFile: opts.extraCaFile ?? null,
      ...(opts.now ? { now: opts.now } : {}),
    });
    this.resolver = opts.resolver ?? createResolver(opts.dnsServer ?? null);
    // Serve the cached copy at once; start() refreshes it.
    this.current = this.store.readCache();
  }

  /** Loads the list now, then refreshes it every refreshHours. Never throws: a failure is logged and kept in lastError. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || !(this.opts.refreshHours > 0)) return;
    this.timer = setInterval(() => void this.refresh(), this.opts.refreshHours * 3_600_000);
    this.timer.unref();
  }

  /** Re-reads the source; on failure keeps the list it has (or the cache). Concurrent calls share one refresh. */
  refresh(): Promise<LoadedWhitelist | null> {
    if (this.refreshing !== null) return this.refreshing;
    this.lastAttemptAt = Date.now();
    this.refreshing = (async () => {
      try {
        const got = await this.store.load();
        if (got.fromCache && this.current && !this.current.fromCache) {
          // The source failed but what we hold is newer than or as good as the cache: keep it.
          this.lastError = got.sourceError;
        } else {
          this.current = got;
          this.lastError = got.sourceError;
        }
        if (this.lastError)
          this.opts.logger?.warn("trust list: source unavailable, serving the cached copy", {
            error: this.lastError,
            listDate: this.current?.list.date,
          });
        else
          this.opts.logger?.info("trust list loaded", {
            domains: got.list.domains.length,
            listDate: got.list.date,
            testOnly: got.list.testOnly,
            rejected: got.list.rejected.length,
            warnings: got.list.warnings,
          });
      } catch (e) {
        this.lastError = (e as Error).message;
        this.opts.logger?.warn("trust list unavailable", { error: this.lastError });
      } finally {
        this.refreshing = null;
      }
      return this.current;
    })();
    return this.refreshing;
  }

  check(address: string): TrustDecision {
    const c = this.current;
    return decideTrust(address, c ? { domains: c.domainSet, date: c.list.date } : null);
  }

  /**
   * The list in memory. Throws TRUST_LIST_UNAVAILABLE when there is none (never an empty list: a
   * client must not take "no list" for "a list with no domain"), and tries the source again.
   */
  list(): TrustList {
    const c = this.current;
    if (!c) {
      if (!this.refreshing && Date.now() - this.lastAttemptAt >= RETRY_ON_DEMAND_MS) void this.refresh();
      throw new BridgeError(
        ErrorCode.TRUST_LIST_UNAVAILABLE,
        this.lastError
          ? `No trust-space list is loaded and the bridge has no saved copy. ${this.lastError} The bridge tries the source again on a request at most once a minute.`
          : "No trust-space list is loaded yet (the first download is not finished and there is no saved copy). Try again in a moment.",
      );
    }
    return { domains: [...c.list.domains], date: c.list.date, testOnly: c.list.testOnly };
  }

  /** Every target found, and the card login chosen from them with the operator policies. */
  async discover(address: string): Promise<Discovery> {
    const policies = this.opts.policies ?? defaultConfig().discovery.policies;
    const problem = policiesProblem(policies) ?? pscConfigProblem(this.opts.psc);
    if (problem) {
      throw new BridgeError(
        ErrorCode.DISCOVERY_FAILED,
        `The bridge's configuration is wrong: ${problem}. Fix config.json in the bridge's data directory, then restart the bridge.`,
      );
    }
    const targets = await discoverServers(address, {
      resolver: this.resolver,
      overrides: this.opts.overrides ?? {},
      trustedDomains: this.current?.domainSet ?? new Set(),
      frontMapping: this.opts.frontMapping ?? DEFAULT_FRONT_MAPPING,
    });
    const domain = addressDomain(address);
    const psc = pscLogin(targets, policies, domain, this.opts.psc ?? null);
    return { targets, cardLogin: cardLogin(targets, policies, domain), ...(psc ? { pscLogin: psc } : {}) };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
