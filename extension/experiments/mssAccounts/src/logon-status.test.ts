import { describe, expect, it } from "vitest";
import { classifyLogonStatus } from "./logon-status.ts";

/** An NSS error code as the nsresult verifyLogon reports (module NS_ERROR_MODULE_SECURITY). */
const nss = (code: number) => (0x805a0000 | (-code & 0xffff)) >>> 0;

describe("classifyLogonStatus", () => {
  it("classifies logon statuses into what the user can act on", () => {
    expect(classifyLogonStatus(0x804b000d, null)).toEqual({ code: "server-unreachable", message: "connection refused" });
    expect(classifyLogonStatus(0x804b001e, null).code).toBe("server-unreachable");
    expect(classifyLogonStatus(nss(-12288 + 17), 2).code).toBe("cert-refused"); // SSL_ERROR_BAD_CERT_ALERT
    expect(classifyLogonStatus(nss(-12288 + 181), 2).code).toBe("cert-refused"); // certificate required (TLS 1.3)
    expect(classifyLogonStatus(nss(-12288), 2).message).toMatch(/TLS handshake/); // SSL_ERROR_BASE itself
    expect(classifyLogonStatus(nss(-12288 + 3), 2).code).toBe("client-cert-not-found");
    expect(classifyLogonStatus(nss(-8192 + 15), 2).code).toBe("pin-wrong");
    expect(classifyLogonStatus(nss(-8192 + 13), 1).code).toBe("server-cert-untrusted"); // SEC_ERROR_UNKNOWN_ISSUER
    expect(classifyLogonStatus(nss(-8192), null).code).toBe("server-cert-untrusted"); // SEC_ERROR_BASE itself
    expect(classifyLogonStatus(0x80004005, null)).toEqual({
      code: "login-refused",
      message: "the server refused the login (status 0x80004005)",
    });
  });

  it("reads the status as unsigned (nsresults may arrive negative)", () => {
    expect(classifyLogonStatus(0x804b000d | 0, null).code).toBe("server-unreachable");
  });
});
