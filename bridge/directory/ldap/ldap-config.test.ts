/**
 * The LDAP source's configuration checks, made when it is built (before any connection): a
 * password never crosses the network in clear unless the configuration says so explicitly, and
 * a client certificate needs TLS. Which bind is made is checked against a real slapd
 * (test/real/ldap-directory.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BridgeError, ErrorCode } from "../../../shared/protocol/errors.ts";
import { defaultConfig, type LdapConfig } from "../../config/config.ts";
import { LdapDirectory, ldapDirectoryFromConfig } from "./ldap-directory.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "mss-ldap-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, "not read before connecting\n");
  return f;
};

const base: LdapConfig = {
  url: "ldap://ldap.example.test:389",
  baseDn: "o=mssante,c=fr",
  startTls: false,
  caFile: null,
  bind: { kind: "anonymous" },
  attributes: {},
  sizeLimit: 200,
  timeLimitSeconds: 5,
};
const simple = (): LdapConfig["bind"] => ({ kind: "simple", dn: "cn=reader,o=mssante,c=fr", passwordFile: file("password") });
const certificate = (extra: Record<string, unknown> = {}) =>
  ({ kind: "certificate", certFile: file("cert.pem"), keyFile: file("key.pem"), ...extra }) as LdapConfig["bind"];

function refusal(cfg: LdapConfig): BridgeError {
  try {
    new LdapDirectory(cfg);
  } catch (e) {
    return e as BridgeError;
  }
  throw new Error(`accepted: ${JSON.stringify(cfg)}`);
}

describe("LDAP configuration checks", () => {
  it("refuses a simple bind over ldap:// without StartTLS, saying what to change", () => {
    const e = refusal({ ...base, bind: simple() });
    expect(e).toBeInstanceOf(BridgeError);
    expect(e.code).toBe(ErrorCode.LDAP_ERROR);
    expect(e.message).toMatch(/password would cross the network in clear/);
    expect(e.message).toMatch(/ldaps:\/\/ URL or startTls: true/);
    expect(e.message).toMatch(/directory\.ldap\.allowPlaintextBind: true/);
    // The same through the configuration file's path (directory.source = "ldap").
    const config = defaultConfig();
    config.directory.source = "ldap";
    config.directory.ldap = { url: base.url, baseDn: base.baseDn, bind: simple() } as LdapConfig;
    expect(() => ldapDirectoryFromConfig(config)).toThrow(/allowPlaintextBind/);
  });

  it("accepts it over StartTLS or ldaps://, or when allowPlaintextBind is true", () => {
    expect(() => new LdapDirectory({ ...base, startTls: true, bind: simple() })).not.toThrow();
    expect(() => new LdapDirectory({ ...base, url: "ldaps://ldap.example.test:636", bind: simple() })).not.toThrow();
    expect(() => new LdapDirectory({ ...base, bind: simple(), allowPlaintextBind: true })).not.toThrow();
    expect(refusal({ ...base, bind: simple(), allowPlaintextBind: false }).message).toMatch(/allowPlaintextBind/);
  });

  it("takes allowPlaintextBind and saslExternal only as true or false", () => {
    expect(refusal({ ...base, bind: simple(), allowPlaintextBind: "yes" as unknown as boolean }).message).toMatch(
      /allowPlaintextBind must be true or false \(got "yes"\)/,
    );
    expect(refusal({ ...base, startTls: true, bind: certificate({ saslExternal: 1 }) }).message).toMatch(
      /saslExternal must be true or false \(got 1\)/,
    );
  });

  it("anonymous needs no TLS; a client certificate does, with or without SASL EXTERNAL", () => {
    expect(() => new LdapDirectory(base)).not.toThrow();
    expect(refusal({ ...base, bind: certificate() }).message).toMatch(/TLS client certificate, which needs ldaps:\/\/ or startTls: true/);
    expect(refusal({ ...base, bind: certificate({ saslExternal: true }), allowPlaintextBind: true }).message).toMatch(
      /needs ldaps:\/\/ or startTls/,
    );
    expect(() => new LdapDirectory({ ...base, startTls: true, bind: certificate() })).not.toThrow();
    expect(
      () => new LdapDirectory({ ...base, url: "ldaps://ldap.example.test:636", bind: certificate({ saslExternal: true }) }),
    ).not.toThrow();
  });
});
