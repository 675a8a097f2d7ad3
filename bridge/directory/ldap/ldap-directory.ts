/**
 * DirectoryService over an LDAP server (the national one or an organisation's copy), with ldapts.
 *
 * Connection: ldap:// (optionally StartTLS) or ldaps://, the server certificate checked against the
 * pinned CA (directory.ldap.caFile) when given; bind anonymous, simple (password read from a file,
 * never from the configuration itself; refused over ldap:// without StartTLS unless
 * allowPlaintextBind), or none with a TLS client certificate from files (SASL EXTERNAL on request).
 * One bound connection is kept and re-opened after a failure. Every failure is a BridgeError
 * LDAP_ERROR saying what to do. Search semantics: see ldap-filter.ts and ldap-match.ts.
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { Client, ResultCodeError, type Entry } from "ldapts";
import type { DirectoryEntry, DirectoryStatus } from "../../../shared/domain/directory-entry.ts";
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from "../../../shared/domain/directory-entry.ts";
import { BridgeError, ErrorCode } from "../../../shared/protocol/errors.ts";
import type { BridgeConfig, LdapConfig } from "../../config/config.ts";
import type { DirectoryService, ImportProgress, SearchOutcome } from "../../services.ts";
import { asciiDomainAddress, normalizeAddress } from "../../../shared/domain/address.ts";
import { firstMatchedPlace } from "../search/rank.ts";
import {
  entriesToStored,
  requestedAttributes,
  resolveAttributeMap,
  type AttributeMap,
  type LdapEntry,
  type MappedEntry,
} from "./attribute-map.ts";
import { addressFilter, idNatFilter, mailsFilter, searchFilter } from "./ldap-filter.ts";
import { rankMatches, toEntry } from "./ldap-match.ts";

export interface LdapDirectoryOptions {
  /** Extra filter AND-ed to every search, e.g. "(objectClass=inetOrgPerson)"; must be a valid filter. */
  objectFilter?: string | null;
  connectTimeoutMs?: number;
}

function fail(message: string, cause?: unknown): never {
  const detail = cause instanceof Error ? ` (${cause.name}: ${cause.message})` : "";
  throw new BridgeError(ErrorCode.LDAP_ERROR, message + detail);
}

function readFileOrFail(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    fail(
      `Cannot read the ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. Fix directory.ldap in the configuration.`,
    );
  }
}

/** Explains an ldapts / TLS / socket error in terms of what the user can change. */
export function explainLdapError(e: unknown, cfg: LdapConfig): BridgeError {
  if (e instanceof BridgeError) return e;
  const err = e as Error & { code?: string | number };
  const name = err?.name ?? "";
  const code = String(err?.code ?? "");
  const msg = err?.message ?? String(e);
  let what: string;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|unable to get|self[- ]signed|certificate/i.test(`${code} ${msg}`)) {
    what = `The LDAP server's certificate was not accepted (${code || msg}). Check directory.ldap.caFile holds the CA that signed the server's certificate, and that the URL's host name matches it.`;
  } else if (name === "InvalidCredentialsError") {
    what = "The LDAP server refused the credentials. Check directory.ldap.bind (DN and the password file).";
  } else if (
    name === "InappropriateAuthError" ||
    name === "AuthMethodNotSupportedError" ||
    name === "StrongAuthRequiredError" ||
    name === "ConfidentialityRequiredError"
  ) {
    what = `The LDAP server refused this kind of login (${name}). It may require TLS (ldaps:// or startTls) or another bind method.`;
  } else if (name === "NoSuchObjectError") {
    what = `The base DN "${cfg.baseDn}" does not exist on the LDAP server. Check directory.ldap.baseDn.`;
  } else if (name === "InsufficientAccessError") {
    what = "The LDAP server denied access to the directory for this identity. Check directory.ldap.bind.";
  } else if (name === "TimeLimitExceededError" || /timeout|timed out/i.test(msg)) {
    what = `The LDAP server did not answer in time (limit ${cfg.timeLimitSeconds} s). Try a longer query, or raise directory.ldap.timeLimitSeconds.`;
  } else if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|EAI_AGAIN|socket/i.test(`${code} ${msg}`)) {
    what = `Cannot reach the LDAP server at ${cfg.url} (${code || msg}). Check the URL, the network and that the server is running.`;
  } else if (/wrong version number|packet length too long|EPROTO/i.test(`${code} ${msg}`)) {
    what = `TLS failed with ${cfg.url} (${code || msg}): use ldaps:// only on an LDAPS port, and ldap:// with startTls on a plain port.`;
  } else {
    what = `The LDAP server answered with an error (${name || code || "error"}: ${msg}).`;
  }
  return new BridgeError(ErrorCode.LDAP_ERROR, what, { ldapError: name || code || null });
}

export class LdapDirectory implements DirectoryService {
  private readonly cfg: LdapConfig;
  private readonly map: AttributeMap;
  private readonly attrs: string[];
  private readonly tls: ConnectionOptions;
  private readonly objectFilter: string | null;
  private readonly connectTimeoutMs: number;
  private session: Promise<Client> | null = null;
  private connected: Client | null = null;
  private lastError: string | null = null;
  private lastOkAt: string | null = null;

  constructor(cfg: LdapConfig, opts: LdapDirectoryOptions = {}) {
    if (!/^ldaps?:\/\//i.test(cfg.url)) fail(`directory.ldap.url must start with ldap:// or ldaps:// (got "${cfg.url}").`);
    if (/^ldaps:/i.test(cfg.url) && cfg.startTls)
      fail("directory.ldap: startTls is for ldap:// URLs; ldaps:// is already TLS. Remove one of them.");
    const tlsConnection = /^ldaps:/i.test(cfg.url) || cfg.startTls === true;
    if (cfg.allowPlaintextBind !== undefined && typeof cfg.allowPlaintextBind !== "boolean") {
      fail(`directory.ldap.allowPlaintextBind must be true or false (got ${JSON.stringify(cfg.allowPlaintextBind)}).`);
    }
    if (cfg.bind.kind === "simple" && !tlsConnection && cfg.allowPlaintextBind !== true) {
      fail(
        "directory.ldap.bind is a simple bind, whose password would cross the network in clear over ldap:// without StartTLS. " +
          "Use an ldaps:// URL or startTls: true; only on a network you trust, set directory.ldap.allowPlaintextBind: true to allow it.",
      );
    }
    if (cfg.bind.kind === "certificate" && !tlsConnection) {
      fail("directory.ldap.bind is a TLS client certificate, which needs ldaps:// or startTls: true.");
    }
    if (cfg.bind.kind === "certificate" && cfg.bind.saslExternal !== undefined && typeof cfg.bind.saslExternal !== "boolean") {
      fail(`directory.ldap.bind.saslExternal must be true or false (got ${JSON.stringify(cfg.bind.saslExternal)}).`);
    }
    this.cfg = cfg;
    this.map = resolveAttributeMap(cfg.attributes);
    this.attrs = requestedAttributes(this.map);
    this.objectFilter = opts.objectFilter ?? null;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    const tls: ConnectionOptions = {};
    if (cfg.caFile) tls.ca = [readFileOrFail(cfg.caFile, "pinned CA file (directory.ldap.caFile)")];
    if (cfg.bind.kind === "certificate") {
      tls.cert = readFileOrFail(cfg.bind.certFile, "client certificate (directory.ldap.bind.certFile)");
      tls.key = readFileOrFail(cfg.bind.keyFile, "client key (directory.ldap.bind.keyFile)");
    }
    // Only TLS 1.2+; the default checkServerIdentity verifies the URL's host against the certificate.
    tls.minVersion = "TLSv1.2";
    this.tls = tls;
  }

  private async open(): Promise<Client> {
    const client = new Client({
      url: this.cfg.url,
      timeout: Math.max(1, this.cfg.timeLimitSeconds) * 1000 + 2000,
      connectTimeout: this.connectTimeoutMs,
      // ldapts speaks TLS from the first byte whenever tlsOptions is set, even on ldap://:
      // give it only for ldaps://; StartTLS gets the options in startTLS() below.
      ...(/^ldaps:/i.test(this.cfg.url) ? { tlsOptions: this.tls } : {}),
      strictDN: true,
    });
    try {
      if (this.cfg.startTls) await client.startTLS(this.tls);
      const b = this.cfg.bind;
      if (b.kind === "simple") {
        const password = readFileOrFail(b.passwordFile, "LDAP password file (directory.ldap.bind.passwordFile)").replace(/\r?\n$/, "");
        await client.bind(b.dn, password);
      } else if (b.kind === "certificate") {
        if (b.saslExternal === true) await client.bindSASL("EXTERNAL");
        // No bind: the certificate was presented in the TLS handshake, and the server decides what
        // it grants. Reading the root DSE opens the connection now (a refusal is still an answer).
        else
          await client.search("", { scope: "base", filter: "(objectClass=*)", attributes: ["1.1"] }).catch((e: unknown) => {
            if (!(e instanceof ResultCodeError)) throw e;
          });
      }
      // Anonymous: an explicit anonymous simple bind (empty DN and password, RFC 4513 §5.1.1)
      // opens the connection now, so concurrent first searches share it instead of racing to connect.
      else await client.bind("", "");
      return client;
    } catch (e) {
      await client.unbind().catch(() => undefined);
      throw e;
    }
  }

  private client(): Promise<Client> {
    // A connection the server closed is reopened (and re-bound) here, once for all waiting callers:
    // ldapts would otherwise reconnect per operation, unauthenticated and racing.
    if (this.session && this.connected && !this.connected.isConnected) {
      const stale = this.connected;
      this.session = null;
      this.connected = null;
      void stale.unbind().catch(() => undefined);
    }
    if (!this.session) {
      const s = this.open();
      this.session = s;
      s.then(
        (c) => {
          if (this.session === s) this.connected = c;
        },
        () => {
          if (this.session === s) this.session = null;
        },
      );
    }
    return this.session;
  }

  private async drop(): Promise<void> {
    const s = this.session;
    this.session = null;
    this.connected = null;
    if (s !== null) await s.then((c) => c.unbind()).catch(() => undefined);
  }

  /** Runs one search; on a connection-level failure, reconnects once. */
  private async find(filter: string, sizeLimit: number): Promise<LdapEntry[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        const c = await this.client();
        const { searchEntries } = await c.search(this.cfg.baseDn, {
          scope: "sub",
          filter,
          attributes: this.attrs,
          sizeLimit,
          timeLimit: Math.max(0, this.cfg.timeLimitSeconds),
        });
        this.lastError = null;
        this.lastOkAt = new Date().toISOString();
        return searchEntries as (Entry & LdapEntry)[];
      } catch (e) {
        // A server's answer (refused bind, no such object) will not change by retrying; a dropped connection may.
        const isProtocolAnswer = e instanceof ResultCodeError;
        // The connection is fine after a server's answer; keep it for the searches in flight.
        if (!isProtocolAnswer) await this.drop();
        const be = explainLdapError(e, this.cfg);
        this.lastError = be.message;
        if (attempt >= 1 || isProtocolAnswer || /certificate|credentials/.test(be.message)) throw be;
      }
    }
  }

  async search(query: string, limit: number = DEFAULT_SEARCH_LIMIT): Promise<SearchOutcome> {
    const n = Math.min(Math.max(1, Math.floor(limit) || DEFAULT_SEARCH_LIMIT), MAX_SEARCH_LIMIT);
    const filter = searchFilter(query, this.map, this.objectFilter);
    if (!filter) return { results: [], matchedOtherFields: false, fuzzy: false };
    // Ask for more than shown: the server's substring matches are narrowed by the prefix rules here.
    const entries = await this.find(filter, Math.max(n, this.cfg.sizeLimit));
    const r = rankMatches(entriesToStored(entries, this.map), query, n);
    if (r.ranked.length === 0) return { results: [], matchedOtherFields: false, fuzzy: false };
    // The search returned only the entries (places) that matched; fetch every place of the
    // addresses shown, so a result lists all its places like the offline index does.
    const full = new Map<string, MappedEntry>();
    try {
      const all = await this.find(
        mailsFilter(
          r.ranked.map((m) => asciiDomainAddress(m.stored.email)),
          this.map,
          this.objectFilter,
        ),
        Math.max(this.cfg.sizeLimit, r.ranked.length * 8),
      );
      for (const m of entriesToStored(all, this.map)) full.set(normalizeAddress(m.stored.email), m);
    } catch {
      // Keep the matched places only; the search itself succeeded.
    }
    const results = r.ranked.map((m) => {
      const places = full.get(normalizeAddress(m.stored.email))?.stored.places ?? m.stored.places;
      const merged: MappedEntry = { ...m, stored: { ...m.stored, places } };
      return toEntry(merged, firstMatchedPlace(places, r.prefixesPerToken));
    });
    return { results, matchedOtherFields: r.matchedOtherFields, fuzzy: false };
  }

  async lookupByIdNat(idNat: string): Promise<DirectoryEntry[]> {
    const filter = idNatFilter(idNat, this.map, this.objectFilter);
    if (!filter) fail("directory.ldap.attributes has no idNat attribute: lookup by national identifier is not possible with this server.");
    const entries = await this.find(filter, Math.max(this.cfg.sizeLimit, 1));
    return entriesToStored(entries, this.map).map((m) => toEntry(m));
  }

  async lookupByAddress(address: string): Promise<DirectoryEntry | null> {
    const entries = await this.find(addressFilter(address, this.map, this.objectFilter), Math.max(this.cfg.sizeLimit, 1));
    const want = normalizeAddress(address);
    const m = entriesToStored(entries, this.map).find((x) => normalizeAddress(x.stored.email) === want);
    return m ? toEntry(m) : null;
  }

  /**
   * LDAP has no extraction date and counting the national directory is not an operation to run on
   * every status call: count is 0 (unknown), dates are those of the last successful query.
   */
  status(): DirectoryStatus {
    return { source: "ldap", sourceDate: null, builtAt: this.lastOkAt, count: 0, ageDays: null, stale: false };
  }

  /** The last LDAP failure (what to do), or null. */
  get error(): string | null {
    return this.lastError;
  }

  /** Opens and binds now (start-up check); throws BridgeError LDAP_ERROR on failure. */
  async check(): Promise<void> {
    try {
      await this.client();
    } catch (e) {
      const be = explainLdapError(e, this.cfg);
      this.lastError = be.message;
      throw be;
    }
  }

  /** Never: there is nothing to import from LDAP. */
  readonly importInProgress = false;

  async importFromConfiguredSource(onProgress: (p: ImportProgress) => void): Promise<void> {
    void onProgress;
    throw new BridgeError(
      ErrorCode.IMPORT_FAILED,
      'Import is not applicable to LDAP: the directory is read live from the LDAP server. Set directory.source to "offline" to use an imported extraction.',
    );
  }

  async close(): Promise<void> {
    await this.drop();
  }
}

/** The LDAP source from the bridge's configuration (directory.source = "ldap"). */
export function ldapDirectoryFromConfig(config: BridgeConfig, opts: LdapDirectoryOptions = {}): LdapDirectory {
  const ldap = config.directory.ldap;
  if (!ldap) fail('directory.source is "ldap" but directory.ldap is not set: give at least url and baseDn in config.json.');
  const defaults = {
    startTls: false,
    caFile: null,
    bind: { kind: "anonymous" as const },
    attributes: {},
    sizeLimit: 200,
    timeLimitSeconds: 5,
  };
  return new LdapDirectory({ ...defaults, ...ldap }, opts);
}
