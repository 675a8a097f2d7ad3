/**
 * What the receiving server's trace headers prove about how a message reached the mailbox. Pure.
 *
 * A From header proves nothing: anyone can write one. What the GP's own operator adds on arrival
 * can be trusted, because it sits above everything the sender wrote:
 *  - the topmost `Received` headers are added last. Local delivery hops (`with LMTP`, `with
 *    LOCAL`: the operator's MTA handing the message to its own store) are skipped; the next one is
 *    the operator's MTA recording the server that handed it the message (the *entry hop*), and it
 *    counts only when its `by` host is in the account's own domains (its address's, its IMAP
 *    server's). Lower `Received` headers may be the sender's invention and are not read.
 *  - the entry hop proves the trust space when that server authenticated with a certificate of
 *    IGC-Santé verified by the operator (Postfix's `smtpd_tls_received_header`: `(Client CN "…",
 *    Issuer "…IGC-SANTE…" (verified OK))`): MSSanté operators exchange mail over mutual TLS with
 *    IGC-Santé server certificates.
 *  - `Authentication-Results` (RFC 8601) count only with the authserv-id of the account's own
 *    domains (the operator removes foreign ones on arrival; a sender can write any other):
 *    `dmarc=pass` for the From domain, or `dkim=pass` with `header.d` the From domain (or a parent),
 *    proves the From domain signed it; `dmarc=fail` (or `dkim`/`spf` failing without any pass)
 *    says the From address is not the sender's.
 */

export interface ReceivedHop {
  /** The name the sending host gave (HELO). */
  helo: string | null;
  /** The name the receiving host found for its address (reverse DNS), when it wrote one. */
  rdns: string | null;
  by: string | null;
  /** The protocol (`with`), upper case: ESMTPS, ESMTPSA, SMTP, LMTP… */
  protocol: string | null;
  /** The TLS client certificate the receiving host verified, when it wrote one. */
  clientCert: { cn: string | null; issuer: string | null; verified: boolean } | null;
}

const word = (re: RegExp, s: string): string | null => re.exec(s)?.[1]?.toLowerCase() ?? null;

/** One Received header's parts (RFC 5321 §4.4; Postfix's and Dovecot's layouts). */
export function parseReceived(value: string): ReceivedHop {
  const v = value.replace(/\s+/g, " ");
  const body = v.split(";")[0] ?? v;
  const helo = word(/(?:^|\s)from\s+([^\s()]+)/i, body);
  const rdnsRaw = word(/(?:^|\s)from\s+[^\s()]+\s+\(([^\s()[\]]+)\s*\[/i, body);
  let flat = body;
  for (let prev = ""; prev !== flat; ) {
    prev = flat;
    flat = flat.replace(/\([^()]*\)/g, " ");
  }
  const cert = /Client CN "([^"]*)",\s*Issuer "([^"]*)"\s*\(([^)]*)\)/i.exec(v);
  return {
    helo,
    rdns: rdnsRaw && rdnsRaw !== "unknown" ? rdnsRaw : null,
    by: word(/(?:^|\s)by\s+([^\s()]+)/i, flat),
    protocol: /(?:^|\s)with\s+([A-Za-z0-9]+)/i.exec(flat)?.[1]?.toUpperCase() ?? null,
    clientCert: cert ? { cn: cert[1] ?? null, issuer: cert[2] ?? null, verified: /verified OK/i.test(cert[3] ?? "") } : null,
  };
}

export interface AuthResult {
  method: string;
  result: string;
  /** The properties (`header.d`, `header.from`, `smtp.mailfrom`…), lower case. */
  props: Record<string, string>;
}

/** An Authentication-Results header: its authserv-id and results (comments removed). */
export function parseAuthenticationResults(value: string): { authservId: string; results: AuthResult[] } {
  const v = value
    .replace(/\([^)]*\)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  const parts = v.split(";").map((p) => p.trim());
  const authservId = (parts.shift() ?? "").split(" ")[0]?.toLowerCase() ?? "";
  const results: AuthResult[] = [];
  for (const p of parts) {
    const m = /^([a-z0-9-]+)\s*=\s*([a-z]+)(.*)$/i.exec(p);
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const kv of (m[3] ?? "").matchAll(/([a-z0-9_-]+\.[a-z0-9_-]+)\s*=\s*("[^"]*"|\S+)/gi)) {
      props[kv[1]!.toLowerCase()] = kv[2]!.replace(/^"|"$/g, "").toLowerCase();
    }
    results.push({ method: m[1]!.toLowerCase(), result: m[2]!.toLowerCase(), props });
  }
  return { authservId, results };
}

/** `host` is `domain` or under it. */
export function withinDomain(host: string | null | undefined, domain: string): boolean {
  if (!host || !domain) return false;
  const h = host.toLowerCase().replace(/\.$/, "");
  const d = domain.toLowerCase().replace(/\.$/, "");
  return h === d || h.endsWith(`.${d}`);
}

/** The account's own domains: its address's domain and its IMAP server's parent domain. */
export function ownDomains(accountEmail: string, imapHost: string | null): string[] {
  const out = new Set<string>();
  const at = accountEmail.lastIndexOf("@");
  if (at > 0) out.add(accountEmail.slice(at + 1).toLowerCase());
  if (imapHost) {
    const labels = imapHost.toLowerCase().split(".");
    out.add(labels.length > 2 ? labels.slice(1).join(".") : labels.join("."));
  }
  return [...out];
}

export type TraceFinding =
  /** The operator's entry hop shows an IGC-Santé client certificate it verified. */
  | "igc-sante-tls"
  /** The operator's Authentication-Results: the From domain signed it (DMARC or aligned DKIM). */
  | "from-domain-authenticated"
  /** The operator's Authentication-Results: DMARC, or DKIM and SPF, failed for this message. */
  | "authentication-failed"
  /** No Received header of the account's own server: nothing says how it arrived. */
  | "no-own-hop";

export interface ReceivedTrace {
  /** The entry hop recorded by the account's own server, or null. */
  entryHop: ReceivedHop | null;
  findings: TraceFinding[];
  /** Through the trust space, as far as the operator's own headers show. */
  viaTrustSpace: boolean;
}

const LOCAL_PROTOCOLS = new Set(["LMTP", "LMTPS", "LMTPSA", "LOCAL"]);

/**
 * Reads the Received (top first, as in the message) and Authentication-Results headers for a
 * message in an account whose own domains are `own`, sent From `fromDomain`.
 */
export function readReceivedTrace(
  headers: { received: readonly string[]; authenticationResults: readonly string[] },
  own: readonly string[],
  fromDomain: string,
): ReceivedTrace {
  const isOwn = (host: string | null) => own.some((d) => withinDomain(host, d));
  const hops = headers.received.map(parseReceived);
  let i = 0;
  while (i < hops.length && hops[i]!.protocol !== null && LOCAL_PROTOCOLS.has(hops[i]!.protocol!)) i++;
  const candidate = hops[i] ?? null;
  const entryHop = candidate && isOwn(candidate.by) ? candidate : null;
  const findings: TraceFinding[] = [];
  if (!entryHop) findings.push("no-own-hop");
  const cert = entryHop?.clientCert;
  if (cert?.verified && /IGC[- ]?SANT[EÉ]/i.test(cert.issuer ?? "")) findings.push("igc-sante-tls");

  const results = headers.authenticationResults
    .map(parseAuthenticationResults)
    .filter((a) => isOwn(a.authservId))
    .flatMap((a) => a.results);
  const aligned = (d: string | undefined) => !!d && withinDomain(fromDomain, d);
  const dmarcPass = results.some(
    (r) => r.method === "dmarc" && r.result === "pass" && (!r.props["header.from"] || r.props["header.from"] === fromDomain),
  );
  const dkimPass = results.some((r) => r.method === "dkim" && r.result === "pass" && aligned(r.props["header.d"]));
  const dmarcFail = results.some((r) => r.method === "dmarc" && r.result === "fail");
  const anyPass = results.some((r) => r.result === "pass");
  const authFail =
    dmarcFail ||
    (!anyPass && results.some((r) => (r.method === "dkim" || r.method === "spf") && (r.result === "fail" || r.result === "softfail")));
  if (dmarcPass || dkimPass) findings.push("from-domain-authenticated");
  if (authFail) findings.push("authentication-failed");
  const viaTrustSpace = !!entryHop && !authFail && (findings.includes("igc-sante-tls") || findings.includes("from-domain-authenticated"));
  return { entryHop, findings, viaTrustSpace };
}
