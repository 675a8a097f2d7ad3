/** Checks of what the extension sends, before anything in Thunderbird is touched. Pure. */
import type { AccountServerConfig, CreateAccountRequest, ExperimentFailure } from "./api.ts";
import { fail } from "./results.ts";

/** STARTTLS and SSL/TLS: a card login never goes over a plaintext connection (0). */
const SOCKET_TYPES = [2, 3];
const PLAINTEXT = 0;
const AUTH_METHODS = [1, 3, 4, 7, 10];
const HOST = /^[A-Za-z0-9.-]{1,253}$/;

/** A value from the extension, not yet checked: any of its fields may be missing or of another type. */
type Unchecked<T> = { [K in keyof T]?: unknown };

export function validHost(h: unknown): h is string {
  return typeof h === "string" && HOST.test(h);
}

export function validServer(s: unknown): s is AccountServerConfig {
  if (!s || typeof s !== "object") return false;
  const c = s as Unchecked<AccountServerConfig>;
  return (
    validHost(c.host) &&
    typeof c.port === "number" &&
    Number.isInteger(c.port) &&
    c.port > 0 &&
    c.port < 65536 &&
    SOCKET_TYPES.includes(c.socketType as number) &&
    AUTH_METHODS.includes(c.authMethod as number)
  );
}

export function validEmail(e: unknown): e is string {
  return typeof e === "string" && e.length <= 320 && /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(e);
}

/** An IMAP user name: a mailbox address or a card's identifier; no spaces or control characters. */
export function validLoginName(u: unknown): u is string {
  return typeof u === "string" && u.length > 0 && u.length <= 320 && !/[\s\u0000-\u001f\u007f]/.test(u);
}

/** The request if it can be acted on, else the failure that says what is wrong with it. */
export function checkAccountRequest(req: unknown): { ok: true; req: CreateAccountRequest } | ExperimentFailure {
  const r = (req && typeof req === "object" ? req : null) as Unchecked<CreateAccountRequest> | null;
  if (!r || !validEmail(r.email)) return fail("invalid-request", "invalid e-mail address");
  if (typeof r.realName !== "string" || r.realName.length > 200) return fail("invalid-request", "invalid name");
  for (const [name, server] of [
    ["IMAP", r.imap],
    ["SMTP", r.smtp],
  ] as const) {
    if (server && typeof server === "object" && (server as Unchecked<AccountServerConfig>).socketType === PLAINTEXT) {
      return fail("plaintext-refused", `the ${name} server must use STARTTLS (2) or SSL/TLS (3), not a plaintext connection (0)`);
    }
  }
  if (!validServer(r.imap) || !validServer(r.smtp)) return fail("invalid-request", "invalid server settings");
  if (r.imap.username !== undefined && !validLoginName(r.imap.username)) return fail("invalid-request", "invalid IMAP user name");
  return { ok: true, req: r as CreateAccountRequest };
}

/** "AB:CD:…" or "abcd…" → "abcd…" */
export function normFingerprint(f: unknown): string {
  return String(f || "")
    .replace(/:/g, "")
    .toLowerCase();
}

/** The base64 body of a PEM certificate, or null when it is not one (strictly: base64 only). */
export function pemToBase64(pem: unknown): string | null {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(String(pem || ""));
  if (!m || m[1] === undefined) return null;
  const b64 = m[1].replace(/\s+/g, "");
  return /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? b64 : null;
}

/** rememberClientCertificate's request: the hosts that are host names, and the fingerprint. */
export function checkRememberRequest(
  req: unknown,
): { ok: true; hosts: string[]; certificateSha256: string; signIn: boolean } | ExperimentFailure {
  const r = (req && typeof req === "object" ? req : null) as Unchecked<{
    hosts: string[];
    certificateSha256: string;
    signIn: boolean;
  }> | null;
  if (!r || !Array.isArray(r.hosts) || !r.hosts.length) return fail("invalid-request", "no host");
  if (!/^[0-9a-fA-F:]{64,95}$/.test(String(r.certificateSha256 || ""))) return fail("invalid-request", "invalid fingerprint");
  return { ok: true, hosts: r.hosts.filter(validHost), certificateSha256: String(r.certificateSha256), signIn: r.signIn === true };
}
