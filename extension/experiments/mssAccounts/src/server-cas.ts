/**
 * Which server CAs the Experiment may trust, and the record of the ones it made trusted (to undo
 * on disable and uninstall). Pure: fingerprints and trust states come in from privileged.ts.
 *
 * The allow-list is the package's own data/igc-sante-cas.json (written by scripts/build.mjs: the
 * IGC-Santé server CAs, plus the test CA in a test build only), read by the parent process from
 * the add-on's files. The caller only names a certificate; it cannot widen the list.
 */
import type { ExperimentFailure } from "./api.ts";
import { fail } from "./results.ts";
import { normFingerprint, pemToBase64 } from "./validate.ts";

/** Where the build writes the CAs the package carries, relative to the add-on's root. */
export const PACKAGED_CAS_PATH = "data/igc-sante-cas.json";

/** The pref listing the CAs this add-on made trusted (JSON of AddedCA[]). */
export const ADDED_CAS_PREF = "extensions.mssante-thunderbird.addedServerCAs";

/** The base64 bodies of the certificates in the package's CA file; null when it is not that file. */
export function packagedCaBodies(data: unknown): string[] | null {
  const certificates = data && typeof data === "object" ? (data as { certificates?: unknown }).certificates : undefined;
  if (!Array.isArray(certificates)) return null;
  const bodies: string[] = [];
  for (const c of certificates) {
    const body = pemToBase64(c && typeof c === "object" ? (c as { pem?: unknown }).pem : undefined);
    if (body) bodies.push(body);
  }
  return bodies;
}

/** Allowed fingerprint (lower-case hex, no colons) → the certificate's base64 DER. */
export type AllowList = ReadonlyMap<string, string>;

export function allowListOf(bodies: readonly string[], fingerprintOf: (base64: string) => string): AllowList {
  return new Map(bodies.map((b) => [normFingerprint(fingerprintOf(b)), b]));
}

/**
 * The certificate to trust, when `pem` is one of the allowed CAs; "ca-not-allowed" for any other
 * certificate. The DER trusted is the package's own copy, not the caller's text.
 */
export function checkServerCA(
  pem: unknown,
  allowed: AllowList,
  fingerprintOf: (base64: string) => string,
): { ok: true; base64: string; fingerprint: string } | ExperimentFailure {
  const body = pemToBase64(pem);
  if (!body) return fail("invalid-request", "not a PEM certificate");
  const fingerprint = normFingerprint(fingerprintOf(body));
  const own = allowed.get(fingerprint);
  if (!own) {
    return fail(
      "ca-not-allowed",
      `this certificate (SHA-256 ${fingerprint}) is not one of the IGC-Santé server CAs this add-on ships; nothing was trusted`,
    );
  }
  return { ok: true, base64: own, fingerprint };
}

/** A CA this add-on made trusted for TLS servers: what to find it by, and the trust to put back. */
export interface AddedCA {
  sha256: string;
  /** base64 DER: found again without listing the certificates (which may ask for a card's PIN). */
  der: string;
  /** NSS trust it had before (",," none: the certificate is deleted on removal). */
  before: string;
}

/** The record kept in ADDED_CAS_PREF; an unreadable one is an empty record. */
export function parseAddedCAs(text: string | null | undefined): AddedCA[] {
  let data: unknown;
  try {
    data = JSON.parse(text || "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  return data.filter(
    (e): e is AddedCA =>
      !!e &&
      typeof e === "object" &&
      /^[0-9a-f]{64}$/.test(String(e.sha256)) &&
      typeof e.der === "string" &&
      /^[A-Za-z0-9+/]+={0,2}$/.test(e.der) &&
      typeof e.before === "string" &&
      /^[A-Za-z]*,[A-Za-z]*,[A-Za-z]*$/.test(e.before),
  );
}

/** The record with `entry` in it (one entry per fingerprint). */
export function withAddedCA(record: readonly AddedCA[], entry: AddedCA): AddedCA[] {
  return [...record.filter((e) => e.sha256 !== entry.sha256), entry];
}

/**
 * How NSS trusts a certificate as a CA, for the uses Thunderbird 153 reports (isCertTrusted fails
 * for object signing, which Gecko no longer uses).
 */
export interface TrustFlags {
  ssl: boolean;
  email: boolean;
}

/** NSS trust strings ("SSL,email,objsign", "C" = trusted CA) for a certificate's present flags. */
export function trustString(t: TrustFlags): string {
  return `${t.ssl ? "C" : ""},${t.email ? "C" : ""},`;
}

/**
 * What trustServerCA does with an allowed CA, given how NSS trusts it now and whether this add-on
 * recorded it: trust it and record it (trust for TLS servers added, the other uses kept), or leave
 * it as it is — trusted by someone else before us (never recorded, so never removed by us), or
 * already ours.
 */
export function trustPlan(
  now: TrustFlags,
  recorded: boolean,
): { action: "add"; trust: string; before: string } | { action: "keep"; ours: boolean } {
  if (now.ssl) return { action: "keep", ours: recorded };
  return { action: "add", trust: trustString({ ...now, ssl: true }), before: trustString(now) };
}

/**
 * What to do for a recorded CA on disable or uninstall: nothing when NSS no longer trusts it for
 * TLS servers (the user removed it), put back the trust it had when it had one, delete it
 * otherwise (we added it).
 */
export function removalPlan(entry: AddedCA, now: TrustFlags): "none" | "restore" | "delete" {
  if (!now.ssl) return "none";
  return entry.before === ",," ? "delete" : "restore";
}
