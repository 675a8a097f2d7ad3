/** verifyLogon's outcome: an nsresult turned into a failure kind the setup page explains. Pure. */
import type { VerifyFailure } from "./api.ts";

const NSS_SEC_BASE = -8192;
const NSS_SSL_BASE = -12288;
const NET_UNREACHABLE: Record<number, string> = {
  2152398861: "connection refused",
  2152398878: "unknown host",
  2152398862: "connection timed out",
  2152398868: "connection reset",
  2152398919: "connection interrupted",
  2152398864: "offline",
  2152398890: "proxy refused",
};
/** SSL alerts by which a server refuses the client certificate (bad, unsupported, revoked, required). */
const REFUSED_ALERTS = [17, 18, 19, 181];

/**
 * An nsresult from verifyLogon → a failure kind. NSS errors are nsresults of module
 * NS_ERROR_MODULE_SECURITY (0x5A after the +0x45 offset) carrying -(NSS error code).
 * `errorClass` is nsINSSErrorsService.getErrorClass(status) when available (1 = bad server cert).
 */
export function classifyLogonStatus(status: number, errorClass: number | null): { code: VerifyFailure; message: string } {
  const s = status >>> 0;
  const unreachable = NET_UNREACHABLE[s];
  if (unreachable) return { code: "server-unreachable", message: unreachable };
  if (((s >>> 16) & 0x1fff) === 0x5a) {
    const nss = -(s & 0xffff);
    if (errorClass === 1) return { code: "server-cert-untrusted", message: `the server's certificate is not trusted (NSS ${nss})` };
    if (nss === NSS_SEC_BASE + 15) return { code: "pin-wrong", message: "wrong PIN (SEC_ERROR_BAD_PASSWORD)" };
    if (nss === NSS_SSL_BASE + 3)
      return { code: "client-cert-not-found", message: "no client certificate or key available (SSL_ERROR_NO_CERTIFICATE)" };
    if (REFUSED_ALERTS.includes(nss - NSS_SSL_BASE)) {
      return { code: "cert-refused", message: `the server refused the card's certificate (SSL alert, NSS ${nss})` };
    }
    if (nss <= NSS_SSL_BASE && nss > NSS_SSL_BASE - 1000) {
      return { code: "cert-refused", message: `the TLS handshake with the card's certificate failed (NSS ${nss})` };
    }
    if (nss <= NSS_SEC_BASE && nss > NSS_SEC_BASE - 1000) {
      return { code: "server-cert-untrusted", message: `certificate error (NSS ${nss})` };
    }
  }
  return { code: "login-refused", message: `the server refused the login (status 0x${s.toString(16)})` };
}
