/** The IHE_XDM.zip attachment of a message (RFC 2045/2046 multipart, base64 or binary), and X-MSS-INS. */
import { strToU8 } from "fflate";
import { describe, expect, it } from "vitest";
import { eml } from "../../test/fixtures/xdm-builder.ts";
import { headerParam, xdmFromEml } from "./eml-attachment.ts";

const ARCHIVE = new Uint8Array([0x50, 0x4b, 0x05, 0x06, 0x80, 0x9f, 0xff, 0x0d, 0x0a, 0x00, 0x2d, 0x2d]);

describe("IHE_XDM.zip from a message", () => {
  it("a base64 attachment and the X-MSS-INS header (ECO.2.4.2)", () => {
    const r = xdmFromEml(eml(ARCHIVE, { insHeader: "O" }));
    expect(r).toEqual({ archive: ARCHIVE, reason: "found", insHeader: "O" });
  });

  it("a binary attachment comes back byte for byte", () => {
    expect(xdmFromEml(eml(ARCHIVE, { encoding: "binary" })).archive).toEqual(ARCHIVE);
  });

  it("no such attachment, another name", () => {
    expect(xdmFromEml(eml(ARCHIVE, { name: "compte-rendu.pdf" }))).toEqual({ archive: null, reason: "no-attachment", insHeader: null });
    expect(xdmFromEml(strToU8("From: a@b\r\n\r\nhello")).reason).toBe("no-attachment");
  });

  it("nested multiparts, RFC 2231 filename*, quoted-printable refused", () => {
    const b64 = Buffer.from(ARCHIVE).toString("base64");
    const nested = [
      'Content-Type: multipart/mixed; boundary="outer"',
      "",
      "--outer",
      'Content-Type: multipart/alternative; boundary="inner"',
      "",
      "--inner",
      "Content-Type: text/plain",
      "",
      "texte",
      "--inner--",
      "--outer",
      "Content-Type: application/zip",
      "Content-Disposition: attachment; filename*=UTF-8''IHE_XDM.zip",
      "Content-Transfer-Encoding: base64",
      "",
      b64,
      "--outer--",
    ].join("\r\n");
    expect(xdmFromEml(strToU8(nested)).archive).toEqual(ARCHIVE);
    const qp = nested.replace("Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: quoted-printable");
    expect(xdmFromEml(strToU8(qp)).reason).toBe("unsupported-encoding");
    const bad = nested.replace(b64, "***");
    expect(xdmFromEml(strToU8(bad)).reason).toBe("bad-base64");
  });

  it("multiparts nested beyond the limit are refused, not followed", () => {
    let body = "end";
    for (let i = 0; i < 20; i++) body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}\r\n--b${i}--`;
    expect(xdmFromEml(strToU8(body)).reason).toBe("too-complex");
  });

  it("header parameters: quoted, bare, RFC 2231", () => {
    expect(headerParam('attachment; filename="IHE_XDM.zip"', "filename")).toBe("IHE_XDM.zip");
    expect(headerParam("multipart/mixed; boundary=abc", "boundary")).toBe("abc");
    expect(headerParam("attachment; filename*=utf-8'fr'r%C3%A9sum%C3%A9.zip", "filename")).toBe("résumé.zip");
    expect(headerParam("attachment", "filename")).toBeNull();
  });
});
