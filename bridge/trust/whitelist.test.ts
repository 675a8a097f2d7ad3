import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { addressDomain, decideTrust, hostInDomain, parseWhitelistXml } from "./whitelist.ts";
import { normalizeDomain } from "../../shared/domain/address.ts";

const NS = "https://listeblanche.mssante.fr/schema";

function codeOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof BridgeError ? e.code : -1;
  }
  return undefined;
}

describe("parseWhitelistXml", () => {
  it("reads //Domaine/Nom in the ANS namespace, normalises IDNA and case, dedupes and sorts", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListeBlanche xmlns="${NS}" date="2026-03-01">
  <Operateur><Domaine><Nom>Medecin.MSSante.fr</Nom></Domaine></Operateur>
  <Domaine><Nom> pharmacien.mssante.fr </Nom></Domaine>
  <Domaine><Nom>hôpital-exemple.fr</Nom></Domaine>
  <Domaine><Nom>medecin.mssante.fr</Nom></Domaine>
</ListeBlanche>`;
    const l = parseWhitelistXml(xml);
    expect(l.domains).toEqual(["medecin.mssante.fr", "pharmacien.mssante.fr", "xn--hpital-exemple-0ob.fr"].sort());
    expect(l.date).toBe("2026-03-01T00:00:00.000Z");
    expect(l.testOnly).toBe(false);
    expect(l.warnings).toEqual([]);
  });

  it("accepts a namespace prefix and a BOM, and warns on a foreign namespace", () => {
    const prefixed = `\uFEFF<lb:Liste xmlns:lb="${NS}"><lb:Domaine><lb:Nom>a.mssante.fr</lb:Nom></lb:Domaine></lb:Liste>`;
    const a = parseWhitelistXml(prefixed);
    expect(a.domains).toEqual(["a.mssante.fr"]);
    expect(a.warnings).toEqual([]);
    const other = parseWhitelistXml(`<Liste xmlns="urn:other"><Domaine><Nom>b.fr</Nom></Domaine></Liste>`);
    expect(other.domains).toEqual(["b.fr"]);
    expect(other.warnings[0]).toMatch(/unexpected namespace urn:other/);
  });

  it("ignores Nom elements outside a Domaine and rejects invalid names", () => {
    const l = parseWhitelistXml(
      `<L xmlns="${NS}"><Nom>not-a-domain.fr</Nom><Domaine><Nom>ok.fr</Nom></Domaine><Domaine><Nom>bad domain</Nom></Domaine><Domaine><Nom>nodot</Nom></Domaine></L>`,
    );
    expect(l.domains).toEqual(["ok.fr"]);
    expect(l.rejected).toEqual(["bad domain", "nodot"]);
  });

  it("refuses entity declarations (billion laughs, external entities) without expanding them", () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><L><Domaine><Nom>&b;.fr</Nom></Domaine></L>`;
    expect(codeOf(() => parseWhitelistXml(lol))).toBe(ErrorCode.TRUST_LIST_UNAVAILABLE);
    const xxe = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]><L><Domaine><Nom>&x;</Nom></Domaine></L>`;
    expect(() => parseWhitelistXml(xxe)).toThrow(/DOCTYPE/);
  });

  it("does not expand predefined or numeric entities into domain names", () => {
    // With entity processing off, "&#46;" stays literal and is not a valid domain.
    const l = parseWhitelistXml(`<L xmlns="${NS}"><Domaine><Nom>x&#46;fr</Nom></Domaine><Domaine><Nom>y.fr</Nom></Domaine></L>`);
    expect(l.domains).toEqual(["y.fr"]);
  });

  it("fails clearly on malformed XML, an empty list and oversize input", () => {
    expect(() => parseWhitelistXml(`<L><Domaine><Nom>a.fr</Domaine></L>`)).toThrow(/not well-formed/);
    expect(() => parseWhitelistXml(`<L xmlns="${NS}"></L>`)).toThrow(/no domain/);
    expect(() => parseWhitelistXml("")).toThrow(BridgeError);
    expect(codeOf(() => parseWhitelistXml(`<L>${" ".repeat(17 * 1024 * 1024)}</L>`))).toBe(ErrorCode.TRUST_LIST_UNAVAILABLE);
  });

  it("parses the bundled fallback list, which is marked test-only", () => {
    const xml = readFileSync(fileURLToPath(new URL("./fallback-whitelist.xml", import.meta.url)), "utf8");
    const l = parseWhitelistXml(xml);
    expect(l.testOnly).toBe(true);
    expect(l.domains).toContain("mssante.test");
    expect(l.domains).toContain("cert.mssante.test");
    expect(l.domains).toContain("hopital-exemple.mssante.test");
    expect(l.domains).toContain("chu-exemple.mssante.test");
    expect(l.domains).toContain(normalizeDomain("hôpital-sainte-agnès.mssante.test"));
    expect(l.domains.every((d) => d.endsWith(".test"))).toBe(true);
  });
});

describe("decideTrust", () => {
  const list = { domains: new Set(["medecin.mssante.fr", "xn--hpital-exemple-0ob.fr"]), date: "2026-03-01T00:00:00.000Z" };

  it("trusts an exact domain match, whatever the case or Unicode form", () => {
    expect(decideTrust("Jean.Dupont@MEDECIN.mssante.fr", list)).toEqual({
      address: "Jean.Dupont@MEDECIN.mssante.fr",
      domain: "medecin.mssante.fr",
      verdict: "trusted",
      listDate: "2026-03-01T00:00:00.000Z",
    });
    expect(decideTrust("x@hôpital-exemple.fr", list).verdict).toBe("trusted");
  });

  it("does not trust subdomains or look-alike suffixes implicitly", () => {
    expect(decideTrust("a@sub.medecin.mssante.fr", list).verdict).toBe("untrusted");
    expect(decideTrust("a@evilmedecin.mssante.fr", list).verdict).toBe("untrusted");
    expect(decideTrust("a@gmail.com", list).verdict).toBe("untrusted");
  });

  it("says unknown without a list, and refuses what is not an address", () => {
    expect(decideTrust("a@medecin.mssante.fr", null)).toMatchObject({ verdict: "unknown", listDate: null });
    for (const bad of ["nobody", "@medecin.mssante.fr", "a@", "a@nodot", "a b@x.fr", "a@bad domain.fr"]) {
      expect(
        codeOf(() => addressDomain(bad)),
        bad,
      ).toBe(ErrorCode.INVALID_ADDRESS);
    }
  });

  it("does not repeat the submitted text in its error", () => {
    const submitted = "<script>patient-1234</script>";
    let message = "";
    try {
      addressDomain(submitted);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/not an e-mail address/);
    expect(message).not.toContain("patient-1234");
    expect(message).not.toContain("<script>");
  });
});

describe("hostInDomain", () => {
  it("matches the domain itself and its subdomains only", () => {
    expect(hostInDomain("imap.cert.mssante.test", "mssante.test")).toBe(true);
    expect(hostInDomain("mssante.test.", "mssante.test")).toBe(true);
    expect(hostInDomain("evilmssante.test", "mssante.test")).toBe(false);
  });
});
