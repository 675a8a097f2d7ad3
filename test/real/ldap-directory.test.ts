/**
 * The LDAP directory source against a REAL slapd (test/harness/slapd.ts) loaded with > 10,000
 * entries from the project's generator: anonymous, simple bind over StartTLS with a pinned CA (and
 * in clear only when allowed), TLS client certificate over LDAPS without a bind and with SASL
 * EXTERNAL, wrong CA, filter escaping, size limit.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "ldapts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { generatedEntries, startSlapd, type Slapd } from "../harness/slapd.ts";
import { LdapDirectory } from "../../bridge/directory/ldap/ldap-directory.ts";
import type { LdapConfig } from "../../bridge/config/config.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import type { FixtureEntry } from "../../scripts/generate-directory.ts";
import type { StoredEntry } from "../../bridge/directory/search/entry.ts";

const skip = missingComponents("ldap-directory", ["slapd", "slapadd", "slaptest", "openssl"]);

const FIXTURES: FixtureEntry[] = [
  {
    email: "jean.dupont@mssante.test",
    idNat: "810001234567",
    surname: "DUPONT",
    givenName: "Jean",
    civility: "DR",
    profession: "Médecin",
    specialty: "Cardiologie",
    places: [
      { organisation: "Cabinet du Parc", city: "LYON", postalCode: "69003" },
      { organisation: "Clinique (Test) *Étoile*", city: "VILLEURBANNE", postalCode: "69100" },
    ],
  },
  {
    email: "j.dupont@hopital-exemple.mssante.test",
    idNat: "810001234567",
    surname: "DUPONT",
    givenName: "Jean",
    profession: "Médecin",
    places: [{ organisation: "Hôpital Exemple", city: "BRON", postalCode: "69500" }],
  },
  {
    email: "elise.lefevre-durand@mssante.test",
    idNat: "810009999999",
    surname: "LEFÈVRE-DURAND",
    givenName: "Élise",
    profession: "Médecin",
    places: [{ organisation: "CHU", city: "SAINT-ÉTIENNE", postalCode: "42000" }],
  },
  {
    email: "awa.ndiaye@mssante.test",
    idNat: "810008888888",
    surname: "N'DIAYE",
    givenName: "Awa",
    profession: "Infirmier",
    places: [{ city: "PARIS", postalCode: "75011" }],
  },
  {
    type: "ORG",
    email: "secretariat.cardio@hopital-exemple.mssante.test",
    places: [{ organisation: "Hôpital Exemple", service: "Secrétariat de cardiologie", city: "BRON", postalCode: "69500" }],
  },
];

const RESTRICTED: StoredEntry[] = [
  {
    email: "marguerite.confidentiel@mssante.test",
    type: "PER",
    surname: "CONFIDENTIEL",
    givenName: "Marguerite",
    civility: null,
    profession: "Médecin",
    specialty: null,
    idNat: "810007777777",
    places: [{ organisation: null, city: "NANTES", postalCode: "44000", service: null, address: null, department: null }],
  },
];

const PASSWORD = "reader-test-password";

describe.skipIf(skip)("LDAP directory source against a real slapd", () => {
  let pki: TestPki;
  let slapd: Slapd;
  let dir: string;
  const open: LdapDirectory[] = [];
  let base: LdapConfig;

  const make = (over: Partial<LdapConfig>) => {
    const d = new LdapDirectory({ ...base, ...over });
    open.push(d);
    return d;
  };

  beforeAll(async () => {
    pki = await createTestPki();
    dir = mkdtempSync(path.join(os.tmpdir(), "mss-ldap-test-"));
    writeFileSync(path.join(dir, "password"), `${PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(path.join(dir, "wrong-password"), "nope\n", { mode: 0o600 });
    const t0 = Date.now();
    slapd = await startSlapd({
      pki,
      entries: generatedEntries(10_500, 7, FIXTURES),
      restricted: RESTRICTED,
      users: [{ cn: "reader", password: PASSWORD }],
      verifyClient: "try",
    });
    console.log(`slapd: ${slapd.loadedEntries} entries loaded and serving in ${Date.now() - t0} ms`);
    base = {
      url: slapd.ldapUrl,
      baseDn: slapd.suffix,
      startTls: false,
      caFile: null,
      bind: { kind: "anonymous" },
      attributes: {},
      sizeLimit: 200,
      timeLimitSeconds: 5,
    };
  });

  afterAll(async () => {
    for (const d of open) await d.close();
    await slapd?.stop();
    await pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("holds at least 10,000 entries from the generator", () => {
    expect(slapd.loadedEntries).toBeGreaterThanOrEqual(10_000);
  });

  it("anonymous: search ANDs tokens across fields and ranks the surname first", async () => {
    const d = make({});
    const r = await d.search("dupont jean", 20);
    expect(r.results.length).toBeGreaterThan(0);
    const emails = r.results.map((x) => x.email);
    expect(emails).toContain("jean.dupont@mssante.test");
    // "du Pont" joined is "dupont" too: both are exact surname matches and rank first (French collation between them).
    expect(r.results[0]!.surname!.toLowerCase().replace(/[^a-z]/g, "")).toBe("dupont");
    for (const x of r.results) expect(`${x.surname} ${x.givenName} ${x.email}`.toLowerCase()).toMatch(/dupont/);

    const cardio = await d.search("dupont cardio lyon", 20);
    expect(cardio.results.map((x) => x.email)).toContain("jean.dupont@mssante.test");
    expect(cardio.matchedOtherFields).toBe(true);
    const hit = cardio.results.find((x) => x.email === "jean.dupont@mssante.test")!;
    expect(hit).toEqual({
      email: "jean.dupont@mssante.test",
      displayName: "Jean DUPONT",
      surname: "DUPONT",
      givenName: "Jean",
      civility: "DR",
      profession: "Médecin",
      specialty: "Cardiologie",
      organisation: "Cabinet du Parc",
      service: null,
      city: "LYON",
      postalCode: "69003",
      type: "PER",
      idNat: "810001234567",
      places: [
        { organisation: "Cabinet du Parc", city: "LYON", postalCode: "69003" },
        { organisation: "Clinique (Test) *Étoile*", city: "VILLEURBANNE", postalCode: "69100" },
      ],
    });
    // The top-level place is the one that matched: VILLEURBANNE for "dupont villeurbanne".
    const v = await d.search("dupont villeurbanne", 20);
    expect(v.results.find((x) => x.email === "jean.dupont@mssante.test")?.city).toBe("VILLEURBANNE");
  });

  it("anonymous: accents as typed, compound and apostrophe names, st → saint, ORG mailboxes", async () => {
    const d = make({});
    expect((await d.search("lefèvre élise", 20)).results.map((x) => x.email)).toContain("elise.lefevre-durand@mssante.test");
    expect((await d.search("lefèvre-durand", 20)).results.map((x) => x.email)).toEqual(["elise.lefevre-durand@mssante.test"]);
    expect((await d.search("durand st étienne", 20)).results.map((x) => x.email)).toContain("elise.lefevre-durand@mssante.test");
    expect((await d.search("n'diaye awa", 20)).results.map((x) => x.email)).toEqual(["awa.ndiaye@mssante.test"]);
    const org = await d.search("secrétariat cardiologie bron", 20);
    const o = org.results.find((x) => x.email === "secretariat.cardio@hopital-exemple.mssante.test");
    expect(o?.type).toBe("ORG");
    expect(o?.displayName).toBe("Hôpital Exemple — Secrétariat de cardiologie");
  });

  it("anonymous: lookup by idNat (or RPPS alone) returns every mailbox, by address one entry or null", async () => {
    const d = make({});
    const byId = await d.lookupByIdNat("810001234567");
    expect(byId.map((x) => x.email).sort()).toEqual(["j.dupont@hopital-exemple.mssante.test", "jean.dupont@mssante.test"]);
    expect((await d.lookupByIdNat("10001234567")).map((x) => x.email).sort()).toEqual(byId.map((x) => x.email).sort());
    const one = await d.lookupByAddress("Jean.Dupont@MSSANTE.test");
    expect(one?.email).toBe("jean.dupont@mssante.test");
    expect(one?.places).toHaveLength(2);
    expect(await d.lookupByAddress("nobody@mssante.test")).toBeNull();
    // Anonymous cannot read ou=restricted.
    expect(await d.lookupByAddress("marguerite.confidentiel@mssante.test")).toBeNull();
    expect(d.status()).toMatchObject({ source: "ldap", count: 0 });
  });

  it("escapes filter input: `*)(` and injection attempts find nothing and do not error", async () => {
    const d = make({});
    expect((await d.search("*)(", 20)).results).toEqual([]);
    expect((await d.search("dupont*)(mail=*", 20)).results.every((x) => /dupont/i.test(x.surname ?? x.email))).toBe(true);
    expect(await d.lookupByIdNat("*)(uid=*")).toEqual([]);
    expect(await d.lookupByIdNat("8*")).toEqual([]);
    expect(await d.lookupByAddress("*@mssante.test")).toBeNull();
    expect(await d.lookupByAddress("x)(|(mail=*")).toBeNull();
    // The same values unescaped would have matched: the escaping is what stops them.
    const raw = new Client({ url: slapd.ldapUrl });
    try {
      const { searchEntries } = await raw.search(slapd.suffix, { filter: "(uid=8*)", sizeLimit: 5, attributes: ["uid"] });
      expect(searchEntries.length).toBeGreaterThan(0);
    } finally {
      await raw.unbind();
    }
  });

  it("simple bind (password from a file) over StartTLS with the pinned CA reads what anonymous cannot", async () => {
    const d = make({
      startTls: true,
      caFile: pki.ca.certPem,
      bind: { kind: "simple", dn: slapd.userDn("reader"), passwordFile: path.join(dir, "password") },
    });
    const e = await d.lookupByAddress("marguerite.confidentiel@mssante.test");
    expect(e?.surname).toBe("CONFIDENTIEL");
    expect((await d.search("confidentiel", 20)).results.map((x) => x.email)).toEqual(["marguerite.confidentiel@mssante.test"]);
  });

  it("a wrong password is an LDAP_ERROR that says to check the bind", async () => {
    const d = make({
      startTls: true,
      caFile: pki.ca.certPem,
      bind: { kind: "simple", dn: slapd.userDn("reader"), passwordFile: path.join(dir, "wrong-password") },
    });
    const err = await d.search("dupont", 5).catch((e) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect(err.code).toBe(ErrorCode.LDAP_ERROR);
    expect(err.message).toMatch(/refused the credentials.*directory\.ldap\.bind/);
    expect(err.message).not.toContain("nope");
  });

  it("a simple bind over ldap:// without StartTLS is refused unless allowPlaintextBind, then binds", async () => {
    const bind = { kind: "simple" as const, dn: slapd.userDn("reader"), passwordFile: path.join(dir, "password") };
    expect(() => make({ bind })).toThrow(/in clear.*allowPlaintextBind/);
    const d = make({ bind, allowPlaintextBind: true });
    expect((await d.lookupByAddress("marguerite.confidentiel@mssante.test"))?.surname).toBe("CONFIDENTIEL");
  });

  it("TLS client certificate over LDAPS without a bind (the default): presented, and the server grants what it grants anonymously", async () => {
    const d = make({
      url: slapd.ldapsUrl,
      caFile: pki.ca.certPem,
      bind: { kind: "certificate", certFile: pki.doctor.certPem, keyFile: pki.doctor.keyPem },
    });
    await d.check();
    expect((await d.search("dupont", 5)).results.length).toBeGreaterThan(0);
    // slapd maps a certificate to an identity only on a SASL EXTERNAL bind: restricted entries stay hidden.
    expect(await d.lookupByIdNat("810007777777")).toEqual([]);
  });

  it("TLS client certificate with saslExternal: true over LDAPS is bound as the certificate's subject", async () => {
    const d = make({
      url: slapd.ldapsUrl,
      caFile: pki.ca.certPem,
      bind: { kind: "certificate", certFile: pki.doctor.certPem, keyFile: pki.doctor.keyPem, saslExternal: true },
    });
    const e = await d.lookupByIdNat("810007777777");
    expect(e.map((x) => x.email)).toEqual(["marguerite.confidentiel@mssante.test"]);
    // Who the server thinks we are: the certificate's subject (RFC 4532 Who am I?).
    const pem = (f: string) => readFileSync(f, "utf8");
    const c = new Client({
      url: slapd.ldapsUrl,
      tlsOptions: { ca: [pem(pki.ca.certPem)], cert: pem(pki.doctor.certPem), key: pem(pki.doctor.keyPem) },
    });
    try {
      await c.bindSASL("EXTERNAL");
      const who = await c.exop("1.3.6.1.4.1.4203.1.11.3");
      expect(String(who.value)).toMatch(/^dn:.*cn=810001234567/i);
    } finally {
      await c.unbind();
    }
  });

  it("a client certificate from a foreign CA is refused with an LDAP_ERROR, with or without SASL EXTERNAL", async () => {
    for (const saslExternal of [false, true]) {
      const d = make({
        url: slapd.ldapsUrl,
        caFile: pki.ca.certPem,
        bind: { kind: "certificate", certFile: pki.foreign.certPem, keyFile: pki.foreign.keyPem, saslExternal },
      });
      const err = await d.search("dupont", 5).catch((e) => e);
      expect(err, `saslExternal ${saslExternal}`).toBeInstanceOf(BridgeError);
      expect(err.code).toBe(ErrorCode.LDAP_ERROR);
    }
  });

  it("StartTLS or LDAPS with the wrong pinned CA fails with a clear certificate error", async () => {
    for (const over of [{ startTls: true }, { url: slapd.ldapsUrl }]) {
      const d = make({ ...over, caFile: pki.foreignCa.certPem });
      const err = await d.search("dupont", 5).catch((e) => e);
      expect(err).toBeInstanceOf(BridgeError);
      expect(err.code).toBe(ErrorCode.LDAP_ERROR);
      expect(err.message).toMatch(/certificate was not accepted.*directory\.ldap\.caFile/);
    }
  });

  it("an unreachable server and a wrong base DN are LDAP_ERRORs that say what to check", async () => {
    const gone = make({ url: "ldap://127.0.0.1:9" });
    await expect(gone.search("dupont", 5)).rejects.toThrow(/Cannot reach the LDAP server/);
    const wrongBase = make({ baseDn: "o=nowhere,c=fr" });
    await expect(wrongBase.search("dupont", 5)).rejects.toThrow(/directory\.ldap\.baseDn/);
  });

  it("the size limit caps what the server returns, without an error", async () => {
    const d = make({ sizeLimit: 3 });
    const r = await d.search("dupont", 3);
    expect(r.results.length).toBeLessThanOrEqual(3);
    expect(r.results.length).toBeGreaterThan(0);
    // A lookup never returns more than the configured limit.
    const many = make({ sizeLimit: 1 });
    expect((await many.lookupByIdNat("810001234567")).length).toBe(1);
  });

  it("answers concurrent searches on one connection, and reconnects after the connection is closed", async () => {
    const d = make({});
    const qs = ["dupont", "martin", "bernard", "lefèvre", "n'diaye", "cardio lyon", "jean", "paris"];
    const alone = await Promise.all(qs.map((q) => d.search(q, 5)));
    const together = await Promise.all(qs.map((q) => d.search(q, 5)));
    expect(together.map((r) => r.results.map((x) => x.email))).toEqual(alone.map((r) => r.results.map((x) => x.email)));
    expect(alone[0]!.results.length).toBeGreaterThan(0);
    await d.close();
    expect((await d.lookupByAddress("jean.dupont@mssante.test"))?.email).toBe("jean.dupont@mssante.test");
  });

  it("import is not applicable to LDAP", async () => {
    const err = await make({})
      .importFromConfiguredSource(() => undefined)
      .catch((e) => e);
    expect(err.code).toBe(ErrorCode.IMPORT_FAILED);
    expect(err.message).toMatch(/not applicable to LDAP/);
  });

  it("search latency over the real server (figures printed)", async () => {
    const d = make({});
    const queries = ["dup", "dupont", "martin lyon", "lef", "bernard", "cardio", "jean paris", "moreau", "pet", "n'diaye"];
    await d.search("warm", 20);
    const times: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const q of queries) {
        const t = process.hrtime.bigint();
        await d.search(q, 20);
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }
    times.sort((a, b) => a - b);
    const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    console.log(
      `LDAP search over ${slapd.loadedEntries} entries, ${times.length} queries: p50 ${p(0.5).toFixed(1)} ms, p95 ${p(0.95).toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`,
    );
    expect(times.length).toBe(30);
  });
});
