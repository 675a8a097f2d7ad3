import { describe, expect, it } from "vitest";
import { FilterParser } from "ldapts";
import { type BridgeError, ErrorCode } from "../../../shared/protocol/errors.ts";
import { DEFAULT_ATTRIBUTE_MAP, entriesToStored, requestedAttributes, resolveAttributeMap, type LdapEntry } from "./attribute-map.ts";
import { escapeFilterValue, isAttributeDescription } from "./escape.ts";
import { addressFilter, idNatFilter, searchFilter, serverWords } from "./ldap-filter.ts";
import { matchAndRank } from "./ldap-match.ts";

describe("escapeFilterValue (RFC 4515)", () => {
  it("escapes the five special characters", () => {
    expect(escapeFilterValue("*")).toBe("\\2a");
    expect(escapeFilterValue("(")).toBe("\\28");
    expect(escapeFilterValue(")")).toBe("\\29");
    expect(escapeFilterValue("\\")).toBe("\\5c");
    expect(escapeFilterValue("\0")).toBe("\\00");
    expect(escapeFilterValue("*)(uid=*))(|(uid=*")).toBe("\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a");
  });

  it("keeps ordinary text and UTF-8 as is, or escapes every non-ASCII byte on request", () => {
    expect(escapeFilterValue("Lefèvre-Durand d'Arc")).toBe("Lefèvre-Durand d'Arc");
    expect(escapeFilterValue("é", { asciiOnly: true })).toBe("\\c3\\a9");
    expect(escapeFilterValue("Œ*", { asciiOnly: true })).toBe("\\c5\\92\\2a");
    expect(escapeFilterValue("😀", { asciiOnly: true })).toBe("\\f0\\9f\\98\\80");
    expect(escapeFilterValue("a\uD800b")).toBe("a\uFFFDb");
  });

  // ldapts turns each `\xx` back into one character (not one UTF-8 byte), so the bridge sends
  // non-ASCII text unescaped (RFC 4515 allows UTF-8) and asciiOnly is only for other consumers.
  it("round-trips through ldapts's filter parser to the original value", () => {
    for (const v of ["*)(", "a\\b", "nul\0byte", "Ñoël (CHU)", "x*y"]) {
      for (const asciiOnly of /^[\x00-\x7f]*$/.test(v) ? [false, true] : [false]) {
        const f = FilterParser.parseString(`(sn=${escapeFilterValue(v, { asciiOnly })})`) as unknown as {
          attribute: string;
          value: string;
        };
        expect(f.attribute).toBe("sn");
        expect(f.value, `${JSON.stringify(v)} asciiOnly=${asciiOnly}`).toBe(v);
      }
    }
  });

  it("validates attribute descriptions", () => {
    expect(isAttributeDescription("givenName")).toBe(true);
    expect(isAttributeDescription("2.5.4.4")).toBe(true);
    expect(isAttributeDescription("cn;lang-fr")).toBe(true);
    expect(isAttributeDescription("sn=*)(")).toBe(false);
    expect(isAttributeDescription("")).toBe(false);
  });
});

describe("attribute mapping", () => {
  it("merges configuration over the defaults and refuses unknown fields and bad names", () => {
    const m = resolveAttributeMap({ idNat: "rppsNumber", department: "" });
    expect(m.idNat).toBe("rppsNumber");
    expect(m.department).toBeNull();
    expect(m.email).toBe("mail");
    expect(requestedAttributes(m)).toContain("rppsNumber");
    expect(requestedAttributes(m)).not.toContain("st");
    expect(() => resolveAttributeMap({ nope: "x" })).toThrow(/unknown field "nope"/);
    let code = 0;
    try {
      resolveAttributeMap({ surname: "sn)(x" });
    } catch (e) {
      code = (e as BridgeError).code;
    }
    expect(code).toBe(ErrorCode.LDAP_ERROR);
  });

  it("merges entries of one address into places, zips multi-valued place attributes, infers the type", () => {
    const entries: LdapEntry[] = [
      {
        dn: "a",
        mail: "Jean.Dupont@mssante.test",
        sn: "DUPONT",
        givenName: "Jean",
        title: "Médecin",
        o: "CHU",
        l: "LYON",
        postalCode: "69003",
        uid: "810001234567",
      },
      { dn: "b", MAIL: ["jean.dupont@mssante.test"], SN: "DUPONT", o: "Cabinet", l: "VILLEURBANNE", postalCode: "69100" },
      { dn: "c", mail: "accueil@chu.test", cn: "Accueil CHU", o: ["CHU A", "CHU B"], l: ["LYON", "BRON"] },
      { dn: "d", sn: "NOMAIL" },
      { dn: "e", mail: "app@x.test", employeeType: "app", cn: "Logiciel" },
    ];
    const s = entriesToStored(entries, DEFAULT_ATTRIBUTE_MAP);
    expect(s).toHaveLength(3);
    expect(s[0]!.stored).toMatchObject({ email: "Jean.Dupont@mssante.test", type: "PER", idNat: "810001234567", profession: "Médecin" });
    expect(s[0]!.stored.places.map((p) => p.city)).toEqual(["LYON", "VILLEURBANNE"]);
    expect(s[1]!.stored.type).toBe("ORG");
    expect(s[1]!.stored.places.map((p) => [p.organisation, p.city])).toEqual([
      ["CHU A", "LYON"],
      ["CHU B", "BRON"],
    ]);
    expect(s[2]!.stored.type).toBe("APP");
    expect(s[2]!.serverDisplayName).toBe("Logiciel");
  });
});

describe("filters", () => {
  const m = DEFAULT_ATTRIBUTE_MAP;

  it("ANDs the words, ORs the searched attributes, escapes the values", () => {
    const f = searchFilter("dupont lyon", m)!;
    expect(f.startsWith("(&(|(sn=*dupont*)(givenName=*dupont*)(mail=*dupont*)")).toBe(true);
    expect(f).toContain("(l=*lyon*)");
    expect(() => FilterParser.parseString(f)).not.toThrow();
    expect(searchFilter("*)(", m)).toBeNull();
    const g = searchFilter("a\\b", m)!;
    expect(g).toContain("(sn=*b*)"); // punctuation splits words; the longest part is sent
  });

  it("sends the longest part of a punctuated word, expands st, drops stopwords, skips mail for non-ASCII", () => {
    expect(serverWords("N'Diaye")).toEqual([["diaye"]]);
    expect(serverWords("st etienne")).toEqual([["st", "saint"], ["etienne"]]);
    expect(serverWords("saint etienne")).toEqual([["saint", "st"], ["etienne"]]);
    expect(serverWords("constructor")).toEqual([["constructor"]]);
    expect(serverWords("b1 c1 d1 e1 f1 g1 h1 i1")).toHaveLength(6); // the offline index's cap
    expect(serverWords("centre de lyon")).toEqual([["centre"], ["lyon"]]);
    const f = searchFilter("lefèvre", m)!;
    expect(f).not.toContain("mail=");
    expect(f).toContain("(sn=*lefèvre*)");
  });

  it("builds escaped equality filters for the lookups", () => {
    expect(idNatFilter("10001234567", m)).toBe("(|(uid=10001234567)(uid=810001234567))");
    expect(idNatFilter("*)(uid=*", m)).toBe("(uid=\\2a\\29\\28uid=\\2a)");
    expect(addressFilter(" a*b@x.test ", m, "(objectClass=*)")).toBe("(&(objectClass=*)(mail=a\\2ab@x.test))");
    expect(idNatFilter("1", { ...m, idNat: null })).toBeNull();
  });
});

describe("matchAndRank (offline rules over LDAP answers)", () => {
  const e = (mail: string, sn: string | null, gn: string | null, extra: Record<string, unknown> = {}): LdapEntry => ({
    dn: mail,
    mail,
    ...(sn ? { sn } : {}),
    ...(gn ? { givenName: gn } : {}),
    ...extra,
  });
  const stored = entriesToStored(
    [
      e("c@x.test", "MARTIN", "Dupont"),
      e("b@x.test", "DUPONTEL", "Anne"),
      e("a@x.test", "DUPONT", "Zoé", { l: "LYON", businessCategory: "Cardiologie" }),
      e("d@x.test", null, null, { employeeType: "ORG", o: "Clinique Dupont", cn: "Clinique" }),
      e("e@x.test", "LEFÈVRE-DURAND", "Élise", { l: "SAINT-ÉTIENNE" }),
      e("f@x.test", "N'DIAYE", "Awa"),
      e("omar@x.test", "OMAR", "Ali"),
    ],
    DEFAULT_ATTRIBUTE_MAP,
  );

  it("ranks surname exact, then prefix, then given name, then other fields", () => {
    const r = matchAndRank(stored, "dupont", 20);
    expect(r.results.map((x) => x.email)).toEqual(["a@x.test", "b@x.test", "c@x.test", "d@x.test"]);
    expect(r.matchedOtherFields).toBe(true);
    expect(r.fuzzy).toBe(false);
    expect(r.results[3]!.displayName).toBe("Clinique Dupont");
  });

  it("keeps only word-prefix matches, ANDs tokens across fields, forgives accents and punctuation", () => {
    expect(matchAndRank(stored, "mar", 20).results.map((x) => x.email)).toEqual(["c@x.test"]); // not OMAR
    expect(matchAndRank(stored, "dupont cardio lyon", 20).results.map((x) => x.email)).toEqual(["a@x.test"]);
    expect(matchAndRank(stored, "lefevre", 20).results.map((x) => x.email)).toEqual(["e@x.test"]);
    expect(matchAndRank(stored, "durand st etienne", 20).results.map((x) => x.email)).toEqual(["e@x.test"]);
    expect(matchAndRank(stored, "ndiaye", 20).results.map((x) => x.email)).toEqual(["f@x.test"]);
    expect(matchAndRank(stored, "n'diaye", 20).results.map((x) => x.email)).toEqual(["f@x.test"]);
    expect(matchAndRank(stored, "dupont", 2).results).toHaveLength(2);
    expect(matchAndRank(stored, "dupont", 20).results[0]).toEqual({
      email: "a@x.test",
      displayName: "Zoé DUPONT",
      surname: "DUPONT",
      givenName: "Zoé",
      civility: null,
      profession: null,
      specialty: "Cardiologie",
      organisation: null,
      service: null,
      city: "LYON",
      postalCode: null,
      type: "PER",
      idNat: null,
      places: [{ organisation: null, city: "LYON", postalCode: null }],
    });
  });
});

describe("matchAndRank: the offline index's classes and rules", () => {
  const e = (mail: string, sn: string | null, gn: string | null, extra: Record<string, unknown> = {}): LdapEntry => ({
    dn: mail,
    mail,
    ...(sn ? { sn } : {}),
    ...(gn ? { givenName: gn } : {}),
    ...extra,
  });
  const stored = entriesToStored(
    [
      e("antoine-lefevre@x.test", "ANTOINE-LEFÈVRE", "Paul"),
      e("lefevre-moreau@x.test", "LEFÈVRE-MOREAU", "Hélène", { l: "LYON" }),
      e("lefevres@x.test", "LEFÈVRES", "Anne"),
      e("lefevre@x.test", "LEFÈVRE", "Zoé", { l: "ST ETIENNE", title: "Médecin" }),
      e("m@x.test", "MARTIN", "Lefèvre", { l: "L'ISLE-D'ABEAU", title: "Médecin" }),
    ],
    DEFAULT_ATTRIBUTE_MAP,
  );
  const found = (q: string) => matchAndRank(stored, q, 20).results.map((x) => x.email);

  it("ranks the whole surname, then a part of a compound surname, then a prefix, then the given name", () => {
    expect(found("lefevre")).toEqual(["lefevre@x.test", "antoine-lefevre@x.test", "lefevre-moreau@x.test", "lefevres@x.test", "m@x.test"]);
    expect(found("lefevre-moreau")).toEqual(["lefevre-moreau@x.test"]);
    expect(found("helene lefev")).toEqual(["lefevre-moreau@x.test"]);
  });

  it("a lone letter is an initial of a name or e-mail word, never another field", () => {
    // `m` would match Médecin (title) of LEFÈVRE Zoé; it matches MOREAU and MARTIN.
    expect(found("lefevre m")).toEqual(["lefevre-moreau@x.test", "m@x.test"]);
    expect(found("lefevre z")).toEqual(["lefevre@x.test"]);
  });

  it("saint finds a city written ST; apostrophes inside hyphenated words are joined", () => {
    expect(found("saint etienne")).toEqual(["lefevre@x.test"]);
    expect(found("saint-etienne")).toEqual(["lefevre@x.test"]);
    expect(found("isle-d'abeau")).toEqual(["m@x.test"]);
    expect(found("d'abeau")).toEqual(["m@x.test"]);
    const r = matchAndRank(stored, "saint etienne", 20);
    expect(r.results[0]!.city).toBe("ST ETIENNE");
  });
});
