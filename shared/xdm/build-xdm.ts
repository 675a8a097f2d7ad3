/**
 * The IHE XDM builder (pure; the extension and the bridge run it alike): from a PDF, a document
 * type, the patient and the author to `IHE_XDM.zip` (IHE ITI TF-1 16, TF-3 4.2.2.1: INDEX.HTM,
 * README.TXT, IHE_XDM/SUBSET01/METADATA.XML and DOC0001.XML, a CDA R2 "N1" wrapping the PDF),
 * with the PDF to attach beside it, the subject and the X-MSS headers of the message. The clock
 * and the UUIDs are given (tests fix them). Every archive is checked (check-built-xdm.ts) before
 * it is returned: one that fails is never given out.
 */
import { strToU8, zipSync } from "fflate";
import { buildCdaN1 } from "./build-cda.ts";
import { buildMetadataXml } from "./build-metadata.ts";
import { checkBuiltXdm } from "./check-built-xdm.ts";
import { documentType } from "./document-types.ts";
import { insQualification } from "./ins.ts";
import { xdmHeaders, xdmPdfName, xdmSubject } from "./mss-message.ts";
import { sha1Hex } from "./sha1.ts";
import { uuidToOid } from "./uuid-oid.ts";
import type { XdmBuildContext } from "./xdm-build-context.ts";
import { checkBuildInput, type XdmBuildInput, type XdmBuildReason } from "./xdm-build-input.ts";
import type { XdmPatient } from "./xdm-patient.ts";
import { xmlEscape } from "./xml-text.ts";
import { pdfaClaim } from "./pdf-conformance.ts";

export interface XdmBuildDeps {
  now: () => Date;
  /** A random UUID (crypto.randomUUID in both programs). */
  uuid: () => string;
  /** The software named in README.TXT, e.g. "MSSanté pour Thunderbird 1.2.0". */
  software?: string;
}

export interface BuiltXdm {
  ok: true;
  /** IHE_XDM.zip. */
  archive: Uint8Array;
  /** The PDF attached beside the archive, named per ECO.2.1.6. */
  pdf: { name: string; bytes: Uint8Array };
  subject: string;
  /** X-MSS-CODECDA and X-MSS-INS (X-MSS-NIL is every message's: domain/mss-identity-headers.ts). */
  headers: Record<string, string>;
  /** The patient as the reader gives it back. */
  patient: XdmPatient;
  /** What the GP should know but does not stop the document (PDF_NOT_PDFA). */
  warnings: XdmBuildReason[];
}

export type XdmBuildResult = BuiltXdm | { ok: false; reasons: XdmBuildReason[] };

/** ECO.2.1.5 asks for a PDF/A rendering; the file's own declaration is read (pdf-conformance.ts). */
const PDF_NOT_PDFA: XdmBuildReason = {
  code: "PDF_NOT_PDFA",
  fr: "le PDF ne se déclare pas PDF/A : le référentiel MSSanté demande une version PDF/A ; si votre logiciel sait l'exporter en PDF/A, joignez plutôt celle-là (le document a été joint)",
  en: "the PDF does not declare itself PDF/A: the MSSanté rules ask for a PDF/A rendering; if your software can export PDF/A, attach that one instead (the document was attached)",
};

/** The sourceId of every SubmissionSet this software makes: a fixed UUID as an OID. */
const SOURCE_UUID = "4d5a3c1e-8f0b-4b7e-9d2a-6c1f0e7b5a93";
const FACILITY = { code: "SA07", codeSystem: "1.2.250.1.71.4.2.4", label: "Cabinet individuel" };
const DOC_URI = "DOC0001.XML";

function context(input: XdmBuildInput, deps: XdmBuildDeps): XdmBuildContext {
  const type = documentType(input.typeCode)!;
  const now = deps.now();
  const p = input.patient;
  const patientId = p.qualified
    ? { id: p.ins!.trim().toUpperCase(), oid: p.insOid!.trim() }
    : { id: p.localId!.trim(), oid: p.localOid!.trim() };
  const facilityCode = (input.facilityTypeCode ?? "").trim();
  const urn = () => `urn:uuid:${deps.uuid()}`;
  return {
    type,
    title: (input.title ?? "").trim() || type.fr,
    patient: p,
    patientId,
    author: input.author,
    facility:
      facilityCode === "" || facilityCode === FACILITY.code
        ? FACILITY
        : { code: facilityCode, codeSystem: FACILITY.codeSystem, label: facilityCode },
    now,
    actDate: (input.actDate ?? "").trim() || now.toISOString().slice(0, 10),
    ids: {
      document: uuidToOid(deps.uuid()),
      documentSet: uuidToOid(deps.uuid()),
      submissionSet: uuidToOid(deps.uuid()),
      source: uuidToOid(SOURCE_UUID),
      entry: urn(),
      submission: urn(),
      association: urn(),
    },
    newId: urn,
  };
}

function indexHtm(c: XdmBuildContext): string {
  return [
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>IHE XDM</title></head><body>',
    "<h1>Documents (IHE XDM)</h1>",
    `<ul><li><a href="IHE_XDM/SUBSET01/${DOC_URI}">${xmlEscape(c.title)}</a> (${xmlEscape(c.type.fr)})</li></ul>`,
    '<p>Métadonnées : <a href="IHE_XDM/SUBSET01/METADATA.XML">IHE_XDM/SUBSET01/METADATA.XML</a></p>',
    "</body></html>",
    "",
  ].join("\n");
}

function readmeTxt(deps: XdmBuildDeps): string {
  return [
    `Logiciel / Software: ${deps.software ?? "MSSanté pour Thunderbird"}`,
    "Archive IHE XDM (IHE ITI TF-1 16) : IHE_XDM/SUBSET01/METADATA.XML décrit les documents.",
    "IHE XDM archive (IHE ITI TF-1 16): IHE_XDM/SUBSET01/METADATA.XML describes the documents.",
    "",
  ].join("\r\n");
}

function expectedPatient(c: XdmBuildContext): XdmPatient {
  const p = c.patient;
  return {
    ins: c.patientId.id,
    insOid: c.patientId.oid,
    qualified: insQualification(c.patientId.oid),
    family: p.family.trim(),
    given: p.given.trim(),
    birthDate: p.birthDate.trim(),
    sex: p.sex.trim().toUpperCase(),
  };
}

export async function buildXdmArchive(input: XdmBuildInput, deps: XdmBuildDeps): Promise<XdmBuildResult> {
  const reasons = checkBuildInput(input);
  if (reasons.length > 0) return { ok: false, reasons };
  const c = context(input, deps);
  const cda = strToU8(buildCdaN1(c, input.pdf));
  const metadata = strToU8(buildMetadataXml(c, { size: cda.length, sha1: await sha1Hex(cda), uri: DOC_URI }));
  const mtime = c.now;
  const archive = zipSync(
    {
      "INDEX.HTM": strToU8(indexHtm(c)),
      "README.TXT": strToU8(readmeTxt(deps)),
      "IHE_XDM/SUBSET01/METADATA.XML": metadata,
      [`IHE_XDM/SUBSET01/${DOC_URI}`]: cda,
    },
    { mtime },
  );
  const patient = expectedPatient(c);
  const problems = await checkBuiltXdm(archive, { patient, typeCodes: [c.type.code], pdfs: [input.pdf] });
  if (problems.length > 0)
    return {
      ok: false,
      reasons: [
        {
          code: "BUILD_CHECK_FAILED",
          fr: `l'archive construite ne passe pas les contrôles : ${problems.join("; ")}`,
          en: `the built archive fails its checks: ${problems.join("; ")}`,
        },
      ],
    };
  const p = input.patient;
  return {
    ok: true,
    archive,
    pdf: { name: xdmPdfName(c.actDate, c.type.code, p.family, p.given, input.fileNumber), bytes: input.pdf },
    subject: xdmSubject(c.type.fr, p.family, p.given, p.birthDate),
    headers: xdmHeaders([c.type.code], p.qualified),
    patient,
    warnings: pdfaClaim(input.pdf) ? [] : [PDF_NOT_PDFA],
  };
}
