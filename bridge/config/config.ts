/**
 * The bridge's configuration: `<data dir>/config.json`, then command-line options on top.
 * Paths and URLs come only from here (never from a WebSocket client).
 */
import { DEFAULT_PORT } from "../../shared/constants.ts";
import type { PscConfig } from "../../shared/domain/psc-provider.ts";
import type { CardLoginName } from "../../shared/domain/trust.ts";

export interface LdapConfig {
  url: string; // ldap://… or ldaps://…
  baseDn: string;
  startTls: boolean;
  /** PEM file of the CA pinned for the LDAP server's certificate. */
  caFile: string | null;
  bind:
    | { kind: "anonymous" }
    | { kind: "simple"; dn: string; passwordFile: string }
    /** A TLS client certificate: no bind (default), or a SASL EXTERNAL bind with `saslExternal: true`. */
    | { kind: "certificate"; certFile: string; keyFile: string; saslExternal?: boolean };
  /**
   * Allows a simple bind over ldap:// without StartTLS (the password crosses the network in
   * clear); refused unless true.
   */
  allowPlaintextBind?: boolean;
  /** Directory attribute → LDAP attribute (the national schema is not confirmed). */
  attributes: Record<string, string>;
  sizeLimit: number;
  timeLimitSeconds: number;
}

/**
 * The live complement: ANS's FHIR Annuaire Santé API (v2), asked only when the offline directory
 * finds nothing (bridge/directory/live/). Off while `apiKey` is null.
 */
export interface LiveDirectoryConfig {
  /** The ESANTE-API-KEY (ANS's API portal); never logged, never sent to the extension. null: off. */
  apiKey: string | null;
  /** The API's base URL (v2). */
  baseUrl: string;
  /**
   * Calls per second this bridge may make (token bucket). ANS allows 17 per second per key: IT that
   * gives one key to every user of a terminal server sets 17 / (users at once) in the machine
   * configuration, which locks it.
   */
  requestsPerSecond: number;
  /** Shorter queries never leave the PC. */
  minQueryLength: number;
  /** Quiet time after the last keystroke before a request is sent. */
  debounceMs: number;
  /** How long an answer is reused for the same query. */
  cacheSeconds: number;
  /** The longest one request may take. */
  timeoutMs: number;
}

export const OFFICIAL_FHIR_API_URL = "https://gateway.api.esante.gouv.fr/fhir/v2";

export interface OperatorPolicy {
  /** Domain suffix this rule applies to ("*" for the default). */
  domain: string;
  /** Which front a card login uses, and SMTP auth method for Thunderbird (7 External by default). */
  cardFront: "certificate" | "psc";
  smtpAuthMethod: number;
  /**
   * The IMAP user name a card login is given, which Thunderbird sends as the SASL EXTERNAL
   * authorisation id: the mailbox address (default: it names the mailbox, for a server that
   * authorises the card's holder for mailboxes) or the card's idNat (a standard server that takes
   * the user from the certificate and refuses any other authorisation id). docs/extension.md.
   */
  cardLoginName?: CardLoginName;
  /**
   * How the operator's personal mailboxes log in: "card" (the card's certificate, the front
   * `cardFront`; default) or "psc" (Pro Santé Connect: OAuth2 on the PSC front, Référentiel #2
   * ECO.1.2.1; the provider is the configuration's `psc`).
   */
  login?: "card" | "psc";
}

export interface BridgeConfig {
  port: number;
  /** Explicit PKCS#11 module (overrides the card database). */
  modulePath: string | null;
  /** Bind the token to this reader name. */
  reader: string | null;
  demo: boolean;
  /**
   * `startsBridge`: when no bridge runs for the data directory, the native-messaging host Thunderbird
   * starts also starts one (default). false: the host only attaches to a running bridge (a service,
   * `mss-bridge start`) and otherwise tells the extension that none runs.
   */
  nativeHost: { startsBridge: boolean };
  /** Extra card database entries (same format as bridge/card/cards.json), merged over the bundled one. */
  cardDatabaseFile: string | null;
  directory: {
    source: "offline" | "ldap";
    /** Index path; a machine-wide read-only index may be shared by all users (`--db`). */
    dbPath: string | null;
    /** Where `directory.import` and the scheduled refresh fetch the extraction from (URL or file). */
    extractionSource: string;
    refreshHours: number; // 0 disables the schedule
    ldap: LdapConfig | null;
    /** The FHIR Annuaire Santé API asked when the offline directory finds nothing (off without a key). */
    live: LiveDirectoryConfig;
  };
  trust: {
    /** Whitelist URL or file. */
    whitelistSource: string;
    refreshHours: number;
  };
  discovery: {
    /** DNS server "host:port" (tests point this at dnsmasq), null for the system's. */
    dnsServer: string | null;
    /** Per-domain override table used when SRV gives nothing. */
    overrides: Record<string, { imap?: { host: string; port: number }; submission?: { host: string; port: number } }>;
    policies: OperatorPolicy[];
  };
  /** Pro Santé Connect for operators whose policy login is "psc" (docs/configuration.md); null: none. */
  psc: PscConfig | null;
  network: {
    /** HTTP proxy for downloads ("http://host:port", or "http://user:password@host:port" with the credentials percent-encoded), else HTTPS_PROXY/HTTP_PROXY. */
    proxy: string | null;
    /** Extra CA certificates (PEM file) trusted for downloads. */
    extraCaFile: string | null;
  };
  limits: {
    maxConnections: number;
    requestsPerSecond: number;
    cardOperationTimeoutMs: number;
  };
}

export const OFFICIAL_EXTRACTION_URL =
  "https://service.annuaire.sante.fr/annuaire-sante-webservices/V300/services/extraction/Extraction_Correspondance_MSSante";
export const OFFICIAL_WHITELIST_URL = "https://espacedeconfiance.mssante.fr/listeblanchemssante.xml";

export function defaultConfig(): BridgeConfig {
  return {
    port: DEFAULT_PORT,
    modulePath: null,
    reader: null,
    demo: false,
    nativeHost: { startsBridge: true },
    cardDatabaseFile: null,
    directory: {
      source: "offline",
      dbPath: null,
      extractionSource: OFFICIAL_EXTRACTION_URL,
      refreshHours: 24,
      ldap: null,
      live: {
        apiKey: null,
        baseUrl: OFFICIAL_FHIR_API_URL,
        requestsPerSecond: 17,
        minQueryLength: 4,
        debounceMs: 300,
        cacheSeconds: 600,
        timeoutMs: 5000,
      },
    },
    trust: { whitelistSource: OFFICIAL_WHITELIST_URL, refreshHours: 24 },
    discovery: {
      dnsServer: null,
      overrides: {},
      policies: [{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7 }],
    },
    psc: null,
    network: { proxy: null, extraCaFile: null },
    limits: { maxConnections: 64, requestsPerSecond: 50, cardOperationTimeoutMs: 15_000 },
  };
}
