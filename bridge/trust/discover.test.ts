import { describe, expect, it } from "vitest";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import type { ServerTarget } from "../../shared/domain/trust.ts";
import {
  cardLogin,
  chooseTargets,
  discoverServers,
  frontFor,
  isConfirmedHost,
  orderSrv,
  parseDnsServer,
  policiesProblem,
  policyFor,
  pscLogin,
  srvToTargets,
  type SrvRecord,
  type SrvResolver,
} from "./discover.ts";

// A table-driven resolver: pure logic only (the real DNS path is tested against dnsmasq in test/real).
function tableResolver(table: Record<string, SrvRecord[] | string>): SrvResolver {
  return {
    async resolveSrv(name: string) {
      const v = table[name];
      if (typeof v === "string") throw Object.assign(new Error(v), { code: v });
      if (!v) throw Object.assign(new Error("queryNotFound"), { code: "ENOTFOUND" });
      return v;
    },
  };
}

describe("SRV ordering and fronts", () => {
  it("orders by priority, then heavier weight first", () => {
    const r = orderSrv([
      { name: "c", port: 1, priority: 20, weight: 0 },
      { name: "b", port: 1, priority: 10, weight: 5 },
      { name: "a", port: 1, priority: 10, weight: 50 },
    ]);
    expect(r.map((x) => x.name)).toEqual(["a", "b", "c"]);
  });

  it("maps priority 10 to psc and 20 to certificate, other priorities to the configured default", () => {
    expect(frontFor(10)).toBe("psc");
    expect(frontFor(20)).toBe("certificate");
    expect(frontFor(0)).toBe("certificate");
    expect(frontFor(5, { byPriority: { "5": "psc" }, otherwise: "certificate" })).toBe("psc");
  });

  it("drops the '.' target (no service) and flags off-domain hosts", () => {
    const t = srvToTargets(
      "imap",
      [
        { name: ".", port: 0, priority: 0, weight: 0 },
        { name: "imap.op.example.", port: 143, priority: 20, weight: 0 },
        { name: "imap.mssante.test", port: 143, priority: 10, weight: 0 },
      ],
      "mssante.test",
      new Set(["trusted-op.fr"]),
    );
    expect(t).toEqual([
      { service: "imap", host: "imap.mssante.test", port: 143, priority: 10, weight: 0, front: "psc", source: "srv", confirmed: true },
      {
        service: "imap",
        host: "imap.op.example",
        port: 143,
        priority: 20,
        weight: 0,
        front: "certificate",
        source: "srv",
        confirmed: false,
      },
    ]);
  });

  it("confirms hosts in the address's domain or under a trust-space domain only", () => {
    const trusted = new Set(["op.fr"]);
    expect(isConfirmedHost("imap.mssante.test", "mssante.test", trusted)).toBe(true);
    expect(isConfirmedHost("mx.imap.op.fr", "mssante.test", trusted)).toBe(true);
    expect(isConfirmedHost("evilop.fr", "mssante.test", trusted)).toBe(false);
    expect(isConfirmedHost("mssante.test.evil.com", "mssante.test", trusted)).toBe(false);
  });
});

describe("discoverServers (table resolver)", () => {
  it("falls back to the override per service, and fails with what to do when nothing is found", async () => {
    const resolver = tableResolver({
      "_imap._tcp.a.test": [{ name: "imap.a.test", port: 143, priority: 20, weight: 0 }],
    });
    const t = await discoverServers("x@A.test", {
      resolver,
      overrides: { "a.test": { submission: { host: "smtp.a.test", port: 587 } } },
    });
    expect(t.map((x) => [x.service, x.host, x.source])).toEqual([
      ["imap", "imap.a.test", "srv"],
      ["submission", "smtp.a.test", "override"],
    ]);
    const err = await discoverServers("x@b.test", { resolver }).catch((e) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect(err.code).toBe(ErrorCode.DISCOVERY_FAILED);
    expect(err.message).toMatch(/discovery\.overrides/);
  });

  it("reports DNS failures (not just 'no record') in the error", async () => {
    const err = await discoverServers("x@c.test", {
      resolver: tableResolver({ "_imap._tcp.c.test": "ECONNREFUSED", "_submission._tcp.c.test": "ETIMEOUT" }),
    }).catch((e) => e);
    expect(err.code).toBe(ErrorCode.DISCOVERY_FAILED);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).toMatch(/--dns-server/);
  });

  it("does not repeat the client's domain in DISCOVERY_FAILED (no record, or DNS failing)", async () => {
    const domain = "patient-1234-secret.test";
    const noRecord = await discoverServers(`x@${domain}`, { resolver: tableResolver({}) }).catch((e) => e);
    const failing = tableResolver({ [`_imap._tcp.${domain}`]: "ECONNREFUSED", [`_submission._tcp.${domain}`]: "ETIMEOUT" });
    // A resolver error whose message names the queried host, as node:dns's do.
    const named: SrvResolver = {
      async resolveSrv(n) {
        throw Object.assign(new Error(`querySrv ESERVFAIL ${n}`), { code: "ESERVFAIL" });
      },
    };
    for (const err of [
      noRecord,
      await discoverServers(`x@${domain}`, { resolver: failing }).catch((e) => e),
      await discoverServers(`x@${domain}`, { resolver: named }).catch((e) => e),
    ]) {
      expect(err).toBeInstanceOf(BridgeError);
      expect(err.code).toBe(ErrorCode.DISCOVERY_FAILED);
      expect(err.message).toMatch(/discovery\.overrides/);
      expect(err.message).not.toContain("patient-1234");
      expect(JSON.stringify(err.data ?? null)).not.toContain("patient-1234");
    }
    expect(noRecord.message).toMatch(/no _imap\._tcp \/ _submission\._tcp SRV record/);
  });

  it("queries the IDNA form of a Unicode domain", async () => {
    const seen: string[] = [];
    const resolver: SrvResolver = {
      async resolveSrv(n) {
        seen.push(n);
        return [{ name: "imap.xn--hpital-sainte-agns-7vb7t.mssante.test", port: 143, priority: 20, weight: 0 }];
      },
    };
    const t = await discoverServers("a@hôpital-sainte-agnès.mssante.test", { resolver });
    expect(seen[0]).toBe("_imap._tcp.xn--hpital-sainte-agns-7vb7t.mssante.test");
    expect(t[0]!.confirmed).toBe(true);
  });
});

describe("chooseTargets and policies", () => {
  const t = (
    service: "imap" | "submission",
    host: string,
    priority: number,
    front: "psc" | "certificate",
    confirmed = true,
  ): ServerTarget => ({
    service,
    host,
    port: service === "imap" ? 143 : 587,
    priority,
    weight: 0,
    front,
    source: "srv",
    confirmed,
  });
  const targets = [
    t("imap", "psc-imap.a.test", 10, "psc"),
    t("imap", "other.example", 20, "certificate", false),
    t("imap", "cert-imap.a.test", 20, "certificate"),
    t("submission", "psc-smtp.a.test", 10, "psc"),
    t("submission", "cert-smtp.a.test", 20, "certificate"),
  ];

  it("picks the certificate front for the card by default, preferring confirmed targets", () => {
    const c = chooseTargets(targets, "card", [{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7 }]);
    expect(c.imap?.host).toBe("cert-imap.a.test");
    expect(c.submission?.host).toBe("cert-smtp.a.test");
    expect(c.policy.smtpAuthMethod).toBe(7);
  });

  it("follows a per-domain policy from configuration", () => {
    const policies = [
      { domain: "*", cardFront: "certificate" as const, smtpAuthMethod: 7 },
      { domain: "a.test", cardFront: "psc" as const, smtpAuthMethod: 1 },
    ];
    const c = chooseTargets(targets, "card", policies, "a.test");
    expect(c.imap?.host).toBe("psc-imap.a.test");
    expect(c.policy.smtpAuthMethod).toBe(1);
    expect(policyFor("other.test", policies).cardFront).toBe("certificate");
    expect(policyFor("sub.a.test", policies).cardFront).toBe("psc");
    expect(chooseTargets([], "card", policies).imap).toBeNull();
  });
});

describe("cardLogin (what discovery.discover answers the extension)", () => {
  const t = (service: "imap" | "submission", host: string, front: "psc" | "certificate", confirmed = true): ServerTarget => ({
    service,
    host,
    port: service === "imap" ? 143 : 587,
    priority: front === "psc" ? 10 : 20,
    weight: 0,
    front,
    source: "srv",
    confirmed,
  });

  it("is chooseTargets' choice with Thunderbird's auth methods: IMAP External, SMTP from the policy", () => {
    const targets = [
      t("imap", "p.a.test", "psc"),
      t("imap", "c.a.test", "certificate"),
      t("submission", "s.elsewhere.example", "certificate", false),
    ];
    expect(cardLogin(targets, [{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7 }], "a.test")).toEqual({
      front: "certificate",
      imap: targets[1],
      submission: targets[2], // unconfirmed, but the only one: the extension asks the user
      imapAuthMethod: 7,
      smtpAuthMethod: 7,
      loginName: "address",
    });
    const psc = cardLogin(targets, [{ domain: "a.test", cardFront: "psc", smtpAuthMethod: 1 }], "a.test");
    expect(psc).toEqual({ front: "psc", imap: targets[0], submission: null, imapAuthMethod: 7, smtpAuthMethod: 1, loginName: "address" });
  });

  it("carries the policy's login name (the IMAP user name), the address when the policy says none", () => {
    const targets = [t("imap", "c.a.test", "certificate"), t("submission", "s.a.test", "certificate")];
    const policies = [
      { domain: "*", cardFront: "certificate" as const, smtpAuthMethod: 7 },
      { domain: "a.test", cardFront: "certificate" as const, smtpAuthMethod: 7, cardLoginName: "idNat" as const },
      { domain: "b.test", cardFront: "certificate" as const, smtpAuthMethod: 7, cardLoginName: "address" as const },
    ];
    expect(cardLogin(targets, policies, "a.test").loginName).toBe("idNat");
    expect(cardLogin(targets, policies, "sub.a.test").loginName).toBe("idNat");
    expect(cardLogin(targets, policies, "b.test").loginName).toBe("address");
    expect(cardLogin(targets, policies, "c.test").loginName).toBe("address");
  });

  it("checks configured policies and says what is wrong", () => {
    expect(policiesProblem([{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7 }])).toBeNull();
    expect(policiesProblem([])).toBeNull();
    expect(policiesProblem({})).toMatch(/must be a list/);
    expect(policiesProblem([null])).toMatch(/policies\[0\] must be an object/);
    expect(policiesProblem([{ domain: "", cardFront: "psc", smtpAuthMethod: 7 }])).toMatch(/\[0\]\.domain/);
    expect(
      policiesProblem([
        { domain: "*", cardFront: "certificate", smtpAuthMethod: 7 },
        { domain: "a.test", cardFront: "cert", smtpAuthMethod: 7 },
      ]),
    ).toMatch(/\[1\]\.cardFront/);
    // Thunderbird 153 sends no AUTHENTICATE with an empty user name (test/e2e/login-names.test.ts).
    expect(policiesProblem([{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7, cardLoginName: "none" }])).toMatch(
      /cardLoginName cannot be "none".*use "idNat"/,
    );
    for (const name of ["address", "idNat"])
      expect(policiesProblem([{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7, cardLoginName: name }])).toBeNull();
    for (const bad of ["email", "idnat", "", null, 1])
      expect(policiesProblem([{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7, cardLoginName: bad }]), String(bad)).toMatch(
        /\[0\]\.cardLoginName/,
      );
    for (const bad of [0, 11, 7.5, "7"])
      expect(policiesProblem([{ domain: "*", cardFront: "psc", smtpAuthMethod: bad }]), String(bad)).toMatch(/smtpAuthMethod/);
  });
});

describe("parseDnsServer", () => {
  it("accepts IP:PORT forms and refuses the rest", () => {
    expect(parseDnsServer("127.0.0.1:5353")).toBe("127.0.0.1:5353");
    expect(parseDnsServer("127.0.0.1")).toBe("127.0.0.1:53");
    expect(parseDnsServer("[::1]:5353")).toBe("[::1]:5353");
    for (const bad of ["localhost:53", "1.2.3.4:99999", "x", ""]) expect(() => parseDnsServer(bad), bad).toThrow();
  });
});

describe("pscLogin", () => {
  const t = (service: ServerTarget["service"], host: string, front: ServerTarget["front"], confirmed = true): ServerTarget => ({
    service,
    host,
    port: service === "imap" ? 143 : 587,
    priority: front === "psc" ? 10 : 20,
    weight: 0,
    front,
    source: "srv",
    confirmed,
  });
  const targets = [t("imap", "psc.a.test", "psc"), t("imap", "cert.a.test", "certificate"), t("submission", "psc.a.test", "psc")];
  const psc = {
    preset: "custom" as const,
    clientId: "c",
    issuer: "https://i.test/r",
    authorizationEndpoint: "https://i.test/auth",
    tokenEndpoint: "https://i.test/t",
  };

  it("answers the PSC front and its provider only where the operator policy's login is psc", () => {
    const policies = [
      { domain: "*", cardFront: "certificate" as const, smtpAuthMethod: 7 },
      { domain: "a.test", cardFront: "certificate" as const, smtpAuthMethod: 7, login: "psc" as const },
    ];
    const p = pscLogin(targets, policies, "a.test", psc);
    expect(p?.imap?.host).toBe("psc.a.test");
    expect(p?.submission?.host).toBe("psc.a.test");
    expect(p?.provider).toMatchObject({
      issuer: "https://i.test/r",
      authorizationEndpoint: "https://i.test/auth?acr_values=eidas1",
      hostnames: ["psc.a.test"],
    });
    expect(pscLogin(targets, policies, "b.test", psc)).toBeNull();
    expect(pscLogin(targets, policies, "a.test", null)?.provider).toBeNull();
  });

  it("refuses a login other than card or psc", () => {
    expect(policiesProblem([{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7, login: "psc" }])).toBeNull();
    expect(policiesProblem([{ domain: "*", cardFront: "certificate", smtpAuthMethod: 7, login: "oauth" }])).toMatch(/login/);
  });
});
