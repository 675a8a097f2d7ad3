/** verifyLogon's outcome: an nsresult turned into a failure kind the setup page explains. Pure. */
import type { VerifyFailure } from "./api.ts";

/**
 * NSS's error ranges (secerr.h, sslerr.h, mozilla::pkix's pkixnss.h): every error is base + n with
 * 0 <= n < 1000, so a range is [base, base + 1000).
 */
const SEC_ERROR_BASE = -0x2000; // -8192
const SSL_ERROR_BASE = -0x3000; // -12288
const MOZILLA_PKIX_ERROR_BASE = -0x4000; // -16384
const RANGE = 1000;

const SEC_ERROR_EXPIRED_CERTIFICATE = SEC_ERROR_BASE + 11; // -8181
const SEC_ERROR_REVOKED_CERTIFICATE = SEC_ERROR_BASE + 12; // -8180
const SEC_ERROR_UNKNOWN_ISSUER = SEC_ERROR_BASE + 13; // -8179
const SEC_ERROR_BAD_PASSWORD = SEC_ERROR_BASE + 15; // -8177
const SSL_ERROR_NO_CERTIFICATE = SSL_ERROR_BASE + 3; // -12285
const SSL_ERROR_BAD_CERT_DOMAIN = SSL_ERROR_BASE + 12; // -12276
/** The server's alerts refusing the client certificate: bad (42), revoked (44), expired (45), certificate required (116, TLS 1.3). */
const REFUSED_ALERTS = [SSL_ERROR_BASE + 17, SSL_ERROR_BASE + 18, SSL_ERROR_BASE + 19, SSL_ERROR_BASE + 181];

/** nsINSSErrorsService.ERROR_CLASS_BAD_CERT (ERROR_CLASS_SSL_PROTOCOL is 1); checked on Thunderbird 153. */
export const ERROR_CLASS_BAD_CERT = 2;

const NET_UNREACHABLE: Record<number, string> = {
  2152398861: "connection refused",
  2152398878: "unknown host",
  2152398862: "connection timed out",
  2152398868: "connection reset",
  2152398919: "connection interrupted",
  2152398864: "offline",
  2152398890: "proxy refused",
};

const inRange = (code: number, base: number) => code >= base && code < base + RANGE;

/**
 * The NSS error code carried by an nsresult, or null when it is not one. Gecko maps an NSS error
 * to NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, -code): severity bit, module 21 + 0x45 =
 * 0x5A, code = -(NSS error); SEC_ERROR_REVOKED_CERTIFICATE (-8180) arrives as 0x805A1FF4.
 */
export function nssErrorOf(status: number): number | null {
  const s = status >>> 0;
  if (s >>> 16 !== 0x805a) return null;
  return -(s & 0xffff);
}

/**
 * An nsresult from verifyLogon → a failure kind. `errorClass` is
 * nsINSSErrorsService.getErrorClass(status) when available (ERROR_CLASS_BAD_CERT: a server
 * certificate error Thunderbird would offer to override).
 */
export function classifyLogonStatus(status: number, errorClass: number | null): { code: VerifyFailure; message: string } {
  const s = status >>> 0;
  const unreachable = NET_UNREACHABLE[s];
  if (unreachable) return { code: "server-unreachable", message: unreachable };
  const nss = nssErrorOf(s);
  if (nss !== null) {
    // Before the error class: Thunderbird 153 classes a revoked certificate as BAD_CERT too.
    if (nss === SEC_ERROR_REVOKED_CERTIFICATE)
      return { code: "server-cert-revoked", message: "the server's certificate is revoked (SEC_ERROR_REVOKED_CERTIFICATE)" };
    if (nss === SEC_ERROR_BAD_PASSWORD) return { code: "pin-wrong", message: "wrong PIN (SEC_ERROR_BAD_PASSWORD)" };
    if (nss === SSL_ERROR_NO_CERTIFICATE)
      return { code: "client-cert-not-found", message: "no client certificate or key available (SSL_ERROR_NO_CERTIFICATE)" };
    if (REFUSED_ALERTS.includes(nss))
      return { code: "cert-refused", message: `the server refused the card's certificate (SSL alert, NSS ${nss})` };
    const named: Record<number, string> = {
      [SEC_ERROR_UNKNOWN_ISSUER]: "SEC_ERROR_UNKNOWN_ISSUER",
      [SEC_ERROR_EXPIRED_CERTIFICATE]: "SEC_ERROR_EXPIRED_CERTIFICATE",
      [SSL_ERROR_BAD_CERT_DOMAIN]: "SSL_ERROR_BAD_CERT_DOMAIN",
    };
    if (errorClass === ERROR_CLASS_BAD_CERT || named[nss] || inRange(nss, SEC_ERROR_BASE) || inRange(nss, MOZILLA_PKIX_ERROR_BASE)) {
      return { code: "server-cert-untrusted", message: `the server's certificate is not accepted (${named[nss] ?? `NSS ${nss}`})` };
    }
    if (inRange(nss, SSL_ERROR_BASE))
      return { code: "cert-refused", message: `the TLS handshake with the card's certificate failed (NSS ${nss})` };
  }
  return { code: "login-refused", message: `the server refused the login (status 0x${s.toString(16)})` };
}
