import { describe, expect, it } from "vitest";
import { pdfaClaim, pdfEncrypted } from "./pdf-conformance.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const pdf = (body: string, trailer = "trailer\n<< /Size 4 /Root 1 0 R >>\n%%EOF\n") => enc(`%PDF-1.7\n${body}\n${trailer}`);
const xmp = (inner: string) =>
  `3 0 obj\n<< /Type /Metadata /Subtype /XML /Length 300 >>\nstream\n<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
  `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${inner}</rdf:RDF></x:xmpmeta>` +
  `<?xpacket end="w"?>\nendstream\nendobj`;

describe("pdfaClaim: the PDF/A declaration in the XMP metadata", () => {
  it("reads the part and level written as attributes or as elements", () => {
    const attrs = xmp(
      `<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="2" pdfaid:conformance="B"/>`,
    );
    const elems = xmp(
      `<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>1</pdfaid:part><pdfaid:conformance>a</pdfaid:conformance></rdf:Description>`,
    );
    const four = xmp(`<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part='4'/>`);
    expect(pdfaClaim(pdf(attrs))).toEqual({ part: 2, conformance: "B" });
    expect(pdfaClaim(pdf(elems))).toEqual({ part: 1, conformance: "A" });
    expect(pdfaClaim(pdf(four))).toEqual({ part: 4, conformance: null });
  });

  it("none: no metadata, metadata without pdfaid, a part out of range", () => {
    expect(pdfaClaim(pdf("1 0 obj << /Type /Catalog >> endobj"))).toBeNull();
    expect(pdfaClaim(pdf(xmp(`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"/>`)))).toBeNull();
    expect(pdfaClaim(pdf(xmp(`<rdf:Description pdfaid:part="7"/>`)))).toBeNull();
  });
});

describe("pdfEncrypted", () => {
  it("an /Encrypt entry in the trailer or in a cross-reference stream's dictionary", () => {
    expect(pdfEncrypted(pdf("", "trailer\n<< /Size 4 /Root 1 0 R /Encrypt 5 0 R /ID [<a><b>] >>\n%%EOF\n"))).toBe(true);
    expect(pdfEncrypted(pdf("9 0 obj\n<< /Type /XRef /Encrypt<< /Filter /Standard >> /Size 10 >>\nstream\nx\nendstream"))).toBe(true);
  });

  it("not encrypted: no /Encrypt, or a longer name that starts with it", () => {
    expect(pdfEncrypted(pdf("1 0 obj << /Type /Catalog >> endobj"))).toBe(false);
    expect(pdfEncrypted(pdf("1 0 obj << /EncryptMetadata false >> endobj"))).toBe(false);
  });
});
