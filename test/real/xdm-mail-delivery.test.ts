/**
 * A patient document made by the shared XDM builder (what the extension's "Joindre un document
 * patient" attaches) goes through the private MSSanté-like submission server (Postfix, the card's
 * certificate in the TLS handshake, a DSN request in the envelope) into a colleague's Dovecot
 * mailbox, and the delivered file is read back: the subject and X-MSS headers as sent, the
 * archive found by the reader's MIME walk (eml-attachment.ts) and read with its X-MSS-INS
 * cross-checked, METADATA.XML and DOC0001.XML valid against ebRIM 3.0 and HL7 CDA R2 (xmllint),
 * the PDF beside it byte for byte; Postfix honours the DSN request (a success notice to the
 * sender). The patient and the INS are invented.
 */
import { readFileSync } from "node:fs";
import { strToU8, unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestPki } from "../../bridge/demo/pki.ts";
import { startCardMailServers, type CardMailServers } from "../harness/card-mail-servers.ts";
import { mssIdentityHeaders } from "../../shared/domain/mss-identity-headers.ts";
import { buildXdmArchive, type BuiltXdm } from "../../shared/xdm/build-xdm.ts";
import { xdmFromEml } from "../../shared/xdm/eml-attachment.ts";
import { readXdmArchive } from "../../shared/xdm/read-xdm.ts";
import { smtpSend } from "../e2e/support/starttls.ts";
import type { Dovecot } from "../harness/dovecot.ts";
import { mimeLeaves, topHeaders } from "../harness/mime-parts.ts";
import type { Postfix } from "../harness/postfix.ts";
import { missingComponents } from "../harness/require-component.ts";
import { xmllintValidate } from "../harness/xmllint.ts";

const reason = missingComponents("XDM mail delivery", ["dovecot", "postfix", "postmap", "openssl", "root", "xmllint"]);
const SMTP_HOST = "smtp.cert.mssante.test";
const DOCTOR = "jean.dupont@mssante.test";
const COLLEAGUE = "helene.lefevre-moreau@mssante.test";
const PDF = strToU8("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

function base64Lines(bytes: Uint8Array): string {
  return (
    Buffer.from(bytes)
      .toString("base64")
      .match(/.{1,76}/g) ?? []
  ).join("\r\n");
}

/** The message as a mail client writes it: text, IHE_XDM.zip, the PDF; subject and X-MSS headers from the builder. */
function message(built: BuiltXdm, marker: string): string {
  const b = `----=_mss_${marker}`;
  const headers = { ...mssIdentityHeaders(), ...built.headers };
  return [
    `From: Jean Dupont <${DOCTOR}>`,
    `To: <${COLLEAGUE}>`,
    `Subject: ${built.subject}`,
    `Message-ID: <${marker}@mssante.test>`,
    "MIME-Version: 1.0",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    `Content-Type: multipart/mixed; boundary="${b}"`,
    "",
    `--${b}`,
    "Content-Type: text/plain; charset=UTF-8",
    "",
    `Document patient ${marker}`,
    `--${b}`,
    'Content-Type: application/zip; name="IHE_XDM.zip"',
    'Content-Disposition: attachment; filename="IHE_XDM.zip"',
    "Content-Transfer-Encoding: base64",
    "",
    base64Lines(built.archive),
    `--${b}`,
    `Content-Type: application/pdf; name="${built.pdf.name}"`,
    `Content-Disposition: attachment; filename="${built.pdf.name}"`,
    "Content-Transfer-Encoding: base64",
    "",
    base64Lines(built.pdf.bytes),
    `--${b}--`,
  ].join("\r\n");
}

describe.skipIf(reason)("a patient document through Postfix into a Dovecot mailbox", () => {
  let servers: CardMailServers | undefined;
  let pki: TestPki;
  let dovecot: Dovecot;
  let postfix: Postfix;
  let ca: Buffer;

  beforeAll(async () => {
    servers = await startCardMailServers({
      serverNames: ["imap.cert.mssante.test", SMTP_HOST, "localhost"],
      doctor: DOCTOR,
      colleague: COLLEAGUE,
    });
    ({ pki, ca, dovecot, postfix } = servers);
  });
  afterAll(async () => {
    await servers?.stop();
  });

  it("arrives with its subject, X-MSS headers, a readable schema-valid archive and the PDF; the DSN request is honoured", async () => {
    let n = 0;
    const built = await buildXdmArchive(
      {
        pdf: PDF,
        typeCode: "11488-4",
        patient: {
          ins: "279035121518989",
          insOid: "1.2.250.1.213.1.4.10",
          qualified: true,
          family: "DURAND",
          given: "Marie",
          birthDate: "1979-03-12",
          sex: "F",
        },
        author: { id: pki.doctorHolder.idNat, family: "DUPONT", given: "Jean", profession: "Médecin" },
      },
      { now: () => new Date(), uuid: () => `6f1e2d3c-0000-4000-8000-${String(++n).padStart(12, "0")}` },
    );
    if (!built.ok) throw new Error(JSON.stringify(built.reasons.map((r) => r.code)));
    const marker = `xdm-${process.pid}-${Date.now()}`;
    const mark = postfix.logMark();
    const sent = await smtpSend({
      port: postfix.submissionPort,
      ca,
      servername: SMTP_HOST,
      identity: { certPem: readFileSync(pki.doctor.certPem), keyPem: readFileSync(pki.doctor.keyPem) },
      from: DOCTOR,
      to: COLLEAGUE,
      body: "",
      rcptParams: "NOTIFY=SUCCESS,FAILURE",
      message: message(built, marker),
    });
    expect(sent.accepted, sent.replies.join("\n")).toBe(true);

    const delivered = await dovecot.waitForMessage(COLLEAGUE, marker);
    const headers = topHeaders(delivered);
    expect(headers.get("subject")).toBe("XDM/1.0/DDM+CR ou fiche de consultation ou de visite DURAND Marie 12/03/1979");
    expect(headers.get("x-mss-codecda")).toBe("11488-4");
    expect(headers.get("x-mss-ins")).toBe("O");
    expect(headers.has("x-mss-nil")).toBe(false); // the product is not declared to ANS yet

    const eml = xdmFromEml(Buffer.from(delivered, "latin1"));
    expect(eml.reason).toBe("found");
    expect(eml.insHeader).toBe("O");
    const { reading } = await readXdmArchive(eml.archive!, { insHeader: eml.insHeader });
    expect(reading.problems.map((p) => p.code)).toEqual(["INS_TEST"]);
    expect(reading.patient).toEqual({
      ins: "279035121518989",
      insOid: "1.2.250.1.213.1.4.10",
      qualified: "test",
      family: "DURAND",
      given: "Marie",
      birthDate: "1979-03-12",
      sex: "F",
    });
    expect(reading.documents.map((d) => [d.typeCode, d.sizeOk, d.hashOk])).toEqual([["11488-4", true, true]]);
    const files = unzipSync(eml.archive!);
    const metadata = xmllintValidate(files["IHE_XDM/SUBSET01/METADATA.XML"]!, "ebrim");
    expect(metadata.valid, metadata.output).toBe(true);
    const cda = xmllintValidate(files["IHE_XDM/SUBSET01/DOC0001.XML"]!, "cda");
    expect(cda.valid, cda.output).toBe(true);

    const pdf = mimeLeaves(delivered).find((p) => p.name?.endsWith(".pdf"));
    expect(pdf?.name).toBe(built.pdf.name);
    expect(pdf?.name).toMatch(/^\d{8}_11488-4_DURAND_Marie\.pdf$/);
    expect(new Uint8Array(pdf!.body)).toEqual(PDF);

    // RFC 3461: Postfix keeps the NOTIFY request and, once delivered, sends the sender a success notice.
    await postfix.waitForLog(/sender delivery status notification/, 15_000, mark);
  });
});
