import { describe, expect, it } from "vitest";
import { checkAccountRequest, checkRememberRequest, normFingerprint, pemToBase64, validEmail, validServer } from "./validate.ts";

const SERVER = { host: "cert.medecin.mssante.fr", port: 143, socketType: 2, authMethod: 7 };
const REQ = { email: "jean.dupont@medecin.mssante.fr", realName: "Jean Dupont", imap: SERVER, smtp: { ...SERVER, port: 587 } };

describe("the Experiment's input checks", () => {
  it("accepts only host names, real ports and the socket types and auth methods it knows", () => {
    expect(validServer(SERVER)).toBe(true);
    expect(validServer({ ...SERVER, host: "bad host/x" })).toBe(false);
    expect(validServer({ ...SERVER, port: 0 })).toBe(false);
    expect(validServer({ ...SERVER, port: 65536 })).toBe(false);
    expect(validServer({ ...SERVER, port: "143" })).toBe(false);
    expect(validServer({ ...SERVER, socketType: 1 })).toBe(false);
    expect(validServer({ ...SERVER, authMethod: 2 })).toBe(false);
    expect(validServer(null)).toBe(false);
  });

  it("accepts an address with a dotted domain, nothing else", () => {
    expect(validEmail("a@b.fr")).toBe(true);
    expect(validEmail("a@b")).toBe(false);
    expect(validEmail("a b@c.fr")).toBe(false);
    expect(validEmail("<a@b.fr>")).toBe(false);
    expect(validEmail(`${"a".repeat(320)}@b.fr`)).toBe(false);
    expect(validEmail(42)).toBe(false);
  });

  it("says what is wrong with an account request", () => {
    expect(checkAccountRequest(REQ)).toEqual({ ok: true, req: REQ });
    expect(checkAccountRequest({ ...REQ, email: "nope" })).toMatchObject({
      ok: false,
      code: "invalid-request",
      message: "invalid e-mail address",
    });
    expect(checkAccountRequest({ ...REQ, realName: "x".repeat(201) })).toMatchObject({ ok: false, message: "invalid name" });
    expect(checkAccountRequest({ ...REQ, smtp: { ...SERVER, port: -1 } })).toMatchObject({ ok: false, message: "invalid server settings" });
    expect(checkAccountRequest(undefined)).toMatchObject({ ok: false, code: "invalid-request" });
  });

  it("refuses a plaintext connection (socketType 0) for IMAP or SMTP with its own code", () => {
    expect(validServer({ ...SERVER, socketType: 0 })).toBe(false);
    expect(validServer({ ...SERVER, socketType: 3, port: 993 })).toBe(true);
    expect(checkAccountRequest({ ...REQ, imap: { ...SERVER, socketType: 0 } })).toMatchObject({
      ok: false,
      code: "plaintext-refused",
      message: expect.stringContaining("IMAP"),
    });
    expect(checkAccountRequest({ ...REQ, smtp: { ...SERVER, port: 25, socketType: 0 } })).toMatchObject({
      ok: false,
      code: "plaintext-refused",
      message: expect.stringContaining("SMTP"),
    });
  });

  it("keeps the host names of a remember request and checks its fingerprint", () => {
    const fpr = `${"AB:".repeat(31)}AB`;
    expect(checkRememberRequest({ hosts: ["imap.a.fr", "bad host", 3], certificateSha256: fpr })).toEqual({
      ok: true,
      hosts: ["imap.a.fr"],
      certificateSha256: fpr,
      signIn: false,
    });
    expect(checkRememberRequest({ hosts: ["psc.a.fr"], certificateSha256: fpr, signIn: true })).toMatchObject({ signIn: true });
    expect(checkRememberRequest({ hosts: [], certificateSha256: fpr })).toMatchObject({ ok: false, message: "no host" });
    expect(checkRememberRequest({ hosts: ["imap.a.fr"], certificateSha256: "x" })).toMatchObject({
      ok: false,
      message: "invalid fingerprint",
    });
  });

  it("reads PEM certificates strictly and fingerprints in one form", () => {
    expect(pemToBase64("-----BEGIN CERTIFICATE-----\nMIIB\nAAA=\n-----END CERTIFICATE-----")).toBe("MIIBAAA=");
    expect(pemToBase64("-----BEGIN CERTIFICATE-----\n<script>\n-----END CERTIFICATE-----")).toBeNull();
    expect(pemToBase64("not a pem")).toBeNull();
    expect(pemToBase64(undefined)).toBeNull();
    expect(normFingerprint("AB:CD:EF")).toBe("abcdef");
    expect(normFingerprint(null)).toBe("");
  });
});
