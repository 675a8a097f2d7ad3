import { describe, expect, it } from "vitest";
import { classifyLogonStatus, ERROR_CLASS_BAD_CERT, nssErrorOf } from "./logon-status.ts";

/** An NSS error code as the nsresult verifyLogon reports (module NS_ERROR_MODULE_SECURITY). */
const nss = (code: number) => (0x805a0000 | (-code & 0xffff)) >>> 0;
const PROTOCOL = 1; // nsINSSErrorsService.ERROR_CLASS_SSL_PROTOCOL

describe("classifyLogonStatus", () => {
  it("reads the NSS error out of the nsresult Thunderbird reports", () => {
    // Seen on Thunderbird 153: a revoked server certificate ends verifyLogon with 0x805A1FF4.
    expect(nss(-8180)).toBe(0x805a1ff4);
    expect(nssErrorOf(0x805a1ff4)).toBe(-8180);
    expect(nssErrorOf(0x805a1ff4 | 0)).toBe(-8180); // an nsresult may arrive negative
    expect(nssErrorOf(0x804b000d)).toBeNull();
  });

  it("tells a revoked server certificate apart, whatever class NSS gives it", () => {
    // SEC_ERROR_REVOKED_CERTIFICATE; Thunderbird 153's getErrorClass says BAD_CERT for it.
    for (const cls of [ERROR_CLASS_BAD_CERT, PROTOCOL, null]) {
      expect(classifyLogonStatus(0x805a1ff4, cls)).toEqual({
        code: "server-cert-revoked",
        message: "the server's certificate is revoked (SEC_ERROR_REVOKED_CERTIFICATE)",
      });
    }
  });

  it("classes the server certificate's other faults as untrusted, with or without the error class", () => {
    for (const cls of [ERROR_CLASS_BAD_CERT, null]) {
      expect(classifyLogonStatus(nss(-8179), cls)).toMatchObject({ code: "server-cert-untrusted", message: /SEC_ERROR_UNKNOWN_ISSUER/ });
      expect(classifyLogonStatus(nss(-8181), cls)).toMatchObject({
        code: "server-cert-untrusted",
        message: /SEC_ERROR_EXPIRED_CERTIFICATE/,
      });
      expect(classifyLogonStatus(nss(-12276), cls)).toMatchObject({ code: "server-cert-untrusted", message: /SSL_ERROR_BAD_CERT_DOMAIN/ });
    }
    expect(classifyLogonStatus(nss(-8192), null).code).toBe("server-cert-untrusted"); // SEC_ERROR_BASE itself
    expect(classifyLogonStatus(nss(-8172), null).code).toBe("server-cert-untrusted"); // SEC_ERROR_UNTRUSTED_ISSUER
    expect(classifyLogonStatus(nss(-16384 + 14), null).code).toBe("server-cert-untrusted"); // MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT
    expect(classifyLogonStatus(nss(-16384 + 5), null).code).toBe("server-cert-untrusted"); // MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE
  });

  it("classes the server's refusal of the card's certificate as refused", () => {
    expect(classifyLogonStatus(nss(-12271), PROTOCOL).code).toBe("cert-refused"); // SSL_ERROR_BAD_CERT_ALERT
    expect(classifyLogonStatus(nss(-12270), PROTOCOL).code).toBe("cert-refused"); // SSL_ERROR_REVOKED_CERT_ALERT (the card's)
    expect(classifyLogonStatus(nss(-12269), PROTOCOL).code).toBe("cert-refused"); // SSL_ERROR_EXPIRED_CERT_ALERT
    expect(classifyLogonStatus(nss(-12288 + 181), PROTOCOL).message).toMatch(/SSL alert/); // certificate required (TLS 1.3)
    expect(classifyLogonStatus(nss(-12288 + 2), PROTOCOL)).toMatchObject({ code: "cert-refused", message: /TLS handshake/ }); // no cipher overlap
    expect(classifyLogonStatus(nss(-12288), null).message).toMatch(/TLS handshake/); // SSL_ERROR_BASE itself
  });

  it("classifies the card's own errors and the network", () => {
    expect(classifyLogonStatus(0x804b000d, null)).toEqual({ code: "server-unreachable", message: "connection refused" });
    expect(classifyLogonStatus(0x804b001e, null).code).toBe("server-unreachable");
    expect(classifyLogonStatus(nss(-12285), PROTOCOL).code).toBe("client-cert-not-found"); // SSL_ERROR_NO_CERTIFICATE
    expect(classifyLogonStatus(nss(-8177), PROTOCOL).code).toBe("pin-wrong"); // SEC_ERROR_BAD_PASSWORD
  });

  it("leaves what is no NSS error to the server's refusal", () => {
    expect(classifyLogonStatus(0x80004005, null)).toEqual({
      code: "login-refused",
      message: "the server refused the login (status 0x80004005)",
    });
    expect(classifyLogonStatus(nss(-12288 - 1), null).code).toBe("login-refused"); // below every range
  });

  it("reads the status as unsigned (nsresults may arrive negative)", () => {
    expect(classifyLogonStatus(0x804b000d | 0, null).code).toBe("server-unreachable");
    expect(classifyLogonStatus(nss(-8180) | 0, null).code).toBe("server-cert-revoked");
  });
});
