/**
 * The CDA reader: a PDF in a nonXMLBody (ANS CI-SIS "Volet Structuration minimale", level 1; HL7
 * CDA R2 §4.3.4 NonXMLBody), and a structuredBody (CDA R2 §4.3.5 narrative block) rendered as
 * script-free HTML, hostile narrative included.
 */
import { strToU8 } from "fflate";
import { describe, expect, it } from "vitest";
import { cdaPdf, cdaStructured, PDF, section } from "../../test/fixtures/xdm-builder.ts";
import { readCda } from "./read-cda.ts";

function html(sections: string): string {
  const r = readCda(cdaStructured("11502-2", "Compte rendu", sections));
  expect(r.problems).toEqual([]);
  if (r.body?.kind !== "html") throw new Error("no html");
  return r.body.html;
}

/**
 * What no rendering may contain, whatever the input. Text is escaped (no raw `<` outside tags), so
 * the tags are exactly the `<…>` runs: each is checked for its element and attributes.
 */
function expectScriptFree(out: string): void {
  const tags = out.match(/<[^>]*>/g) ?? [];
  const ALLOWED_ATTRIBUTES = new Set(["lang", "charset", "http-equiv", "content", "colspan", "rowspan"]);
  for (const tag of tags) {
    expect(tag).not.toMatch(/^<\/?(script|iframe|object|embed|img|a|link|base|form|svg|math)\b/i);
    expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
    expect(tag).not.toMatch(/javascript:/i);
    for (const [, name] of tag.matchAll(/\s([^\s=]+)\s*=/g)) expect(ALLOWED_ATTRIBUTES.has(name!.toLowerCase()), tag).toBe(true);
  }
  expect(out).not.toMatch(/<script/i);
  expect(out.replace(/<[^>]*>/g, "")).not.toContain("<");
}

describe("CDA reader", () => {
  it("Structuration minimale N1: the base64 PDF of the nonXMLBody comes back byte for byte", () => {
    const r = readCda(cdaPdf("11490-0", "Lettre de liaison"));
    expect(r).toMatchObject({ title: "Lettre de liaison", code: "11490-0", problems: [] });
    expect(r.body).toEqual({ kind: "pdf", pdf: PDF });
  });

  it("a 12 MiB PDF (16 MiB of base64, one text run) comes back whole, in seconds", () => {
    const pdf = new Uint8Array(12 * 1024 * 1024);
    for (let i = 0; i < pdf.length; i++) pdf[i] = (i * 2654435761) >>> 24;
    pdf.set(PDF.subarray(0, 8));
    const t0 = Date.now();
    const r = readCda(cdaPdf("11490-0", "Gros document", pdf));
    expect(r.problems).toEqual([]);
    expect(r.body?.kind === "pdf" && Buffer.from(r.body.pdf).equals(Buffer.from(pdf))).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("long text runs in a structured body keep their place and their entities", () => {
    const long = "a&amp;b ".repeat(20_000);
    const out = html(section("Long", `<paragraph>début ${long}<content styleCode="Bold">fin</content></paragraph>`));
    expect(out).toContain(`<p>début ${"a&#38;b ".repeat(20_000)}<strong>fin</strong></p>`);
  });

  it("a nonXMLBody announced as PDF that is not one, and bad base64", () => {
    const notPdf = readCda(cdaPdf("11490-0", "x", strToU8("GIF89a....")));
    expect(notPdf.body?.kind).toBe("other");
    expect(notPdf.problems.map((p) => p.code)).toEqual(["CDA_NOT_PDF"]);
    const bad = new TextDecoder().decode(cdaPdf("11490-0", "x")).replace(/B64">[^<]{8}/, 'B64">!!!!****');
    expect(readCda(strToU8(bad)).problems.map((p) => p.code)).toEqual(["CDA_BAD_BASE64"]);
  });

  it("CDA R2 §4.3.5: sections, paragraphs, lists, tables and styles become plain HTML", () => {
    const out = html(
      section(
        "Résultats",
        '<paragraph>Hémoglobine <content styleCode="Bold">13,5</content> g/dL<br/>normale</paragraph>' +
          '<list listType="ordered"><item>NFS</item><item>CRP &lt; 5</item></list>' +
          '<table border="1"><thead><tr><th>Examen</th><th>Valeur</th></tr></thead>' +
          '<tbody><tr><td colspan="2">Glycémie 5,1 mmol/L</td></tr></tbody></table>',
      ) +
        "<component><section><title>Conclusion</title><text>RAS</text><component><section><title>Détail</title><text>—</text></section></component></section></component>",
    );
    expect(out).toContain("<h1>Compte rendu</h1>");
    expect(out).toContain("<h2>Résultats</h2>");
    expect(out).toContain("<p>Hémoglobine <strong>13,5</strong> g/dL<br>normale</p>");
    expect(out).toContain("<ol><li>NFS</li><li>CRP &#60; 5</li></ol>");
    expect(out).toContain('<td colspan="2">Glycémie 5,1 mmol/L</td>');
    expect(out).toContain("<table><thead>");
    expect(out).toContain("<h3>Détail</h3>");
    expect(out).toContain("default-src 'none'");
    expectScriptFree(out);
  });

  it("hostile narrative: scripts, event handlers, javascript: links, iframes, escaped markup", () => {
    const out = html(
      section(
        'T<script>alert("t")</script>',
        '<paragraph onclick="alert(1)" style="background:url(javascript:alert(2))">a</paragraph>' +
          '<script>alert(3)</script><script src="https://evil.example/x.js"/>' +
          '<linkHtml href="javascript:alert(4)" onmouseover="alert(5)">lien</linkHtml>' +
          '<renderMultiMedia referencedObject="x"/><iframe src="https://evil.example"/>' +
          "<content>&lt;img src=x onerror=alert(6)&gt;</content>" +
          '<table onload="x"><tr><td colspan="2 onclick=alert(7)" rowspan="3">c</td></tr></table>' +
          "<paragraph><![CDATA[<script>alert(8)</script>]]></paragraph>",
      ),
    );
    expectScriptFree(out);
    expect(out).toContain("&#60;img src=x onerror=alert(6)&#62;");
    expect(out).toContain('<td rowspan="3">c</td>');
    expect(out).toContain("lien");
  });

  it("not a CDA, no body, DOCTYPE, malformed: a problem each, never an exception", () => {
    const code = (s: string) => readCda(strToU8(s)).problems.map((p) => p.code);
    expect(code("<html/>")).toEqual(["CDA_NOT_CDA"]);
    expect(code('<ClinicalDocument xmlns="urn:hl7-org:v3"><title>x</title></ClinicalDocument>')).toEqual(["CDA_NO_BODY"]);
    expect(code('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ClinicalDocument>&e;</ClinicalDocument>')).toEqual(["XML_DOCTYPE"]);
    expect(code("<ClinicalDocument><component>")).toEqual(["XML_MALFORMED"]);
    expect(code("")).toEqual(["XML_MALFORMED"]);
    const rows = "<tr><td>x</td></tr>".repeat(30_000); // 120,000 tags: more markup than a CDA may hold
    expect(readCda(cdaStructured("11502-2", "t", section("s", `<table>${rows}</table>`))).problems.map((p) => p.code)).toEqual([
      "XML_TOO_BIG",
    ]);
  });
});
