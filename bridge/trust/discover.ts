/**
 * Server discovery for an MSSanté address: RFC 6186 SRV records `_imap._tcp.<domain>` and
 * `_submission._tcp.<domain>`, then the configured per-domain override table as fallback.
 *
 * Référentiel socle MSSanté #2 (clients de messagerie): each operator runs two fronts advertised by
 * SRV priority: 10 = Pro Santé Connect front, 20 = certificate front. The mapping is data
 * (FrontMapping), since the specification may change. Within one priority, records are ordered by
 * weight, heaviest first (deterministic instead of RFC 2782's weighted random pick: a mail client
 * configures one server, and the same answer every time is easier to support).
 *
 * A target is `confirmed` only when its host lies in the address's domain or in a trust-space
 * domain; anything else is returned unconfirmed, for the user to accept or refuse.
 */
import { promises as dnsPromises } from "node:dns";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { type PscConfig, pscProviderDetails } from "../../shared/domain/psc-provider.ts";
import type { CardLogin, Front, PscLogin, ServerTarget } from "../../shared/domain/trust.ts";
import type { OperatorPolicy } from "../config/config.ts";
import { addressDomain, hostInDomain } from "./whitelist.ts";
import { normalizeDomain } from "../../shared/domain/address.ts";

export type Service = ServerTarget["service"];
export const SERVICES: readonly Service[] = ["imap", "submission"];

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** What discovery needs from DNS (node:dns promises Resolver fits). */
export interface SrvResolver {
  resolveSrv(hostname: string): Promise<SrvRecord[]>;
}

/** SRV priority → front. Unknown priorities get `otherwise`. */
export interface FrontMapping {
  byPriority: Record<string, Front>;
  otherwise: Front;
}

/**
 * Default per Référentiel #2. A priority neither 10 nor 20 (e.g. an operator with a single classic
 * server, DST "socle de base") is taken as the certificate front: card login is the classic mode.
 */
export const DEFAULT_FRONT_MAPPING: FrontMapping = { byPriority: { "10": "psc", "20": "certificate" }, otherwise: "certificate" };

export type OverrideTable = Record<string, { imap?: { host: string; port: number }; submission?: { host: string; port: number } }>;

/**
 * A resolver on a given DNS server ("host:port", "[v6]:port" or "host"), or the system's when null.
 * Throws BridgeError INVALID_PARAMS-like usage errors as plain Errors for the caller to report.
 */
export function createResolver(dnsServer: string | null, timeoutMs = 2000): SrvResolver {
  const r = new dnsPromises.Resolver({ timeout: timeoutMs, tries: 2 });
  if (dnsServer) r.setServers([parseDnsServer(dnsServer)]);
  return r;
}

/** Validates "host:port" for setServers; throws an Error saying what is expected. */
export function parseDnsServer(value: string): string {
  const v = value.trim();
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:]*))(?::(\d{1,5}))?$/.exec(v);
  const v4 = /^\d{1,3}(\.\d{1,3}){3}$/;
  if (!m) throw new Error(`"${value}" is not a DNS server address: expected IP:PORT, e.g. 127.0.0.1:5353`);
  const host = m[1] ?? m[2]!;
  if (!m[1] && !host.includes(":") && !v4.test(host))
    throw new Error(`"${value}" is not an IP address: expected IP:PORT, e.g. 127.0.0.1:5353`);
  const port = m[3] ? Number(m[3]) : 53;
  if (port < 1 || port > 65535) throw new Error(`port out of range in "${value}"`);
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export function frontFor(priority: number, mapping: FrontMapping = DEFAULT_FRONT_MAPPING): Front {
  return mapping.byPriority[String(priority)] ?? mapping.otherwise;
}

/** Orders SRV records: priority ascending, then weight descending, then host name (stable). */
export function orderSrv(records: SrvRecord[]): SrvRecord[] {
  return [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight || a.name.localeCompare(b.name) || a.port - b.port);
}

/** Is `host` in the address's domain or in one of the trust space's domains? */
export function isConfirmedHost(host: string, addressDomainAscii: string, trustedDomains: ReadonlySet<string>): boolean {
  const h = (normalizeDomain(host) ?? host).toLowerCase();
  if (hostInDomain(h, addressDomainAscii)) return true;
  // Walk up the host's parent domains (imap.op.fr → op.fr) and look each up in the list.
  const labels = h.split(".");
  for (let i = 0; i < labels.length - 1; i++) if (trustedDomains.has(labels.slice(i).join("."))) return true;
  return false;
}

/** SRV records of one service → tagged targets (pure). A "." target means "no service here" (RFC 2782). */
export function srvToTargets(
  service: Service,
  records: SrvRecord[],
  domain: string,
  trustedDomains: ReadonlySet<string>,
  mapping: FrontMapping = DEFAULT_FRONT_MAPPING,
): ServerTarget[] {
  return orderSrv(records)
    .filter((r) => r.name && r.name !== "." && r.port > 0)
    .map((r) => {
      const host = r.name.replace(/\.$/, "").toLowerCase();
      return {
        service,
        host,
        port: r.port,
        priority: r.priority,
        weight: r.weight,
        front: frontFor(r.priority, mapping),
        source: "srv" as const,
        confirmed: isConfirmedHost(host, domain, trustedDomains),
      };
    });
}

/** Override table entry for the domain (keys compared in IDNA form) → targets on the certificate front. */
export function overrideTargets(
  service: Service,
  domain: string,
  overrides: OverrideTable,
  trustedDomains: ReadonlySet<string>,
): ServerTarget[] {
  for (const [key, value] of Object.entries(overrides)) {
    if (normalizeDomain(key) !== domain) continue;
    const t = value[service];
    if (!t?.host || !(t.port > 0 && t.port < 65536)) return [];
    const host = (normalizeDomain(t.host) ?? t.host).toLowerCase();
    // The override table describes the servers a card login uses: the certificate front.
    return [
      {
        service,
        host,
        port: t.port,
        priority: 0,
        weight: 0,
        front: "certificate",
        source: "override",
        confirmed: isConfirmedHost(host, domain, trustedDomains),
      },
    ];
  }
  return [];
}

export interface DiscoverOptions {
  resolver: SrvResolver;
  overrides?: OverrideTable;
  trustedDomains?: ReadonlySet<string>;
  frontMapping?: FrontMapping;
}

const NO_RECORD = new Set(["ENOTFOUND", "ENODATA", "NXDOMAIN", "ENONAME"]);

/**
 * Discovers the IMAP and submission servers of an address. Per service: SRV first, the override
 * table when SRV gives nothing. Throws BridgeError INVALID_ADDRESS or DISCOVERY_FAILED (with what to do).
 */
export async function discoverServers(address: string, opts: DiscoverOptions): Promise<ServerTarget[]> {
  const domain = addressDomain(address);
  const trusted = opts.trustedDomains ?? new Set<string>();
  const dnsErrors: string[] = [];
  const out: ServerTarget[] = [];
  for (const service of SERVICES) {
    let records: SrvRecord[] = [];
    try {
      records = await opts.resolver.resolveSrv(`_${service}._tcp.${domain}`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "";
      // The code only: the resolver's message names the queried host, i.e. the client's domain.
      if (!NO_RECORD.has(code)) dnsErrors.push(`_${service}._tcp: ${code || "DNS error"}`);
    }
    let targets = srvToTargets(service, records, domain, trusted, opts.frontMapping);
    if (targets.length === 0) targets = overrideTargets(service, domain, opts.overrides ?? {}, trusted);
    out.push(...targets);
  }
  if (out.length === 0) {
    // The domain is not repeated: error messages never echo what the client sent (it knows what it asked).
    const why = dnsErrors.length
      ? `DNS failed (${dnsErrors.join("; ")})`
      : "no _imap._tcp / _submission._tcp SRV record for the address's domain";
    throw new BridgeError(
      ErrorCode.DISCOVERY_FAILED,
      `Cannot find the address's mail servers: ${why}, and no override in the configuration. ` +
        `Ask the operator for its IMAP and submission servers and add them to discovery.overrides in the bridge's config.json, keyed by the address's domain` +
        (dnsErrors.length ? ", or check the DNS server (--dns-server / discovery.dnsServer)." : "."),
    );
  }
  return out;
}

export interface ChosenTargets {
  imap: ServerTarget | null;
  submission: ServerTarget | null;
  /** The policy applied (its front and Thunderbird SMTP auth method). */
  policy: OperatorPolicy;
}

/** The policy for a domain: the longest matching `domain` suffix, else "*", else certificate/External. */
export function policyFor(domain: string, policies: OperatorPolicy[]): OperatorPolicy {
  let best: OperatorPolicy | null = null;
  for (const p of policies) {
    if (p.domain === "*") {
      if (!best) best = p;
      continue;
    }
    const d = normalizeDomain(p.domain.replace(/^\*?\./, "")) ?? p.domain.toLowerCase();
    if (hostInDomain(domain, d) && (!best || best.domain === "*" || d.length > best.domain.length)) best = { ...p, domain: d };
  }
  return best ?? { domain: "*", cardFront: "certificate", smtpAuthMethod: 7 };
}

/**
 * Which targets a login method uses, per the operator policies (configuration, not code).
 * For the card: the policy's cardFront (default the certificate front); the first target of that
 * front per service, confirmed ones before unconfirmed ones. Pure.
 */
export function chooseTargets(targets: ServerTarget[], loginMethod: "card", policies: OperatorPolicy[], domain?: string): ChosenTargets {
  void loginMethod; // only the card exists today; PSC login would read another policy field
  const d = domain ?? "";
  const policy = policyFor(d, policies);
  const pick = (service: Service) => {
    const c = targets.filter((t) => t.service === service && t.front === policy.cardFront);
    return c.find((t) => t.confirmed) ?? c[0] ?? null;
  };
  return { imap: pick("imap"), submission: pick("submission"), policy };
}

/**
 * Thunderbird's IMAP auth method for a card login: External (7), the card's certificate in TLS and
 * then SASL EXTERNAL, whatever the front. The IMAP user name (the authorisation id Thunderbird
 * sends) is the policy's cardLoginName, the address by default.
 */
export const CARD_IMAP_AUTH_METHOD = 7;

/**
 * The card login as discovery.discover answers it (cardLogin): the targets chooseTargets picks with
 * the configured policies, and Thunderbird's auth methods. The extension configures exactly this.
 */
export function cardLogin(targets: ServerTarget[], policies: OperatorPolicy[], domain: string): CardLogin {
  const c = chooseTargets(targets, "card", policies, domain);
  return {
    front: c.policy.cardFront,
    imap: c.imap,
    submission: c.submission,
    imapAuthMethod: CARD_IMAP_AUTH_METHOD,
    smtpAuthMethod: c.policy.smtpAuthMethod,
    loginName: c.policy.cardLoginName ?? "address",
  };
}

/**
 * The Pro Santé Connect login, when the operator policy's login is "psc": the first target of the
 * PSC front per service (confirmed ones first) and the provider for those hosts (null without a
 * configured client id). Null when the policy's login is the card. Pure.
 */
export function pscLogin(targets: ServerTarget[], policies: OperatorPolicy[], domain: string, psc: PscConfig | null): PscLogin | null {
  const policy = policyFor(domain, policies);
  if (policy.login !== "psc") return null;
  const pick = (service: Service) => {
    const c = targets.filter((t) => t.service === service && t.front === "psc");
    return c.find((t) => t.confirmed) ?? c[0] ?? null;
  };
  const imap = pick("imap");
  const submission = pick("submission");
  const hosts = [imap, submission].flatMap((t) => (t ? [t.host] : []));
  return { imap, submission, provider: hosts.length ? pscProviderDetails(psc, hosts) : null };
}

const LOGIN_NAMES: ReadonlySet<unknown> = new Set(["address", "idNat"]);

/**
 * What is wrong with configured operator policies (config discovery.policies), or null. Each is
 * { domain: "*" | a domain suffix, cardFront: "certificate" | "psc", smtpAuthMethod: 1..10,
 * cardLoginName?: "address" | "idNat", login?: "card" | "psc" }.
 */
export function policiesProblem(policies: unknown): string | null {
  if (!Array.isArray(policies)) return "discovery.policies must be a list";
  for (const [i, p] of policies.entries()) {
    const at = `discovery.policies[${i}]`;
    if (!p || typeof p !== "object") return `${at} must be an object { domain, cardFront, smtpAuthMethod }`;
    const { domain, cardFront, smtpAuthMethod, cardLoginName, login } = p as Record<string, unknown>;
    if (login !== undefined && login !== "card" && login !== "psc") return `${at}.login must be "card" or "psc" (Pro Santé Connect)`;
    if (typeof domain !== "string" || !domain.trim()) return `${at}.domain must be "*" or a domain`;
    if (cardFront !== "certificate" && cardFront !== "psc") return `${at}.cardFront must be "certificate" or "psc"`;
    if (typeof smtpAuthMethod !== "number" || !Number.isInteger(smtpAuthMethod) || smtpAuthMethod < 1 || smtpAuthMethod > 10) {
      return `${at}.smtpAuthMethod must be a Thunderbird auth method from 1 to 10 (7 = External, the card's certificate)`;
    }
    if (cardLoginName === "none") {
      return `${at}.cardLoginName cannot be "none": with no user name Thunderbird sends no login at all; use "idNat" for a server that takes the user from the certificate`;
    }
    if (cardLoginName !== undefined && !LOGIN_NAMES.has(cardLoginName)) {
      return `${at}.cardLoginName must be "address" (the mailbox address) or "idNat" (the card's identifier)`;
    }
  }
  return null;
}
