import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { readXdmArchive } from "../../../shared/xdm/read-xdm.ts";
import { TEST_INS } from "../../../test/fixtures/xdm-builder.ts";
import { createFakeMessenger } from "../../test-support/fake-messenger.ts";
import type { BridgeCaller } from "../bridge-caller.ts";
import { createBeforeSendListener, KNOWN_ACCOUNTS_KEY } from "../compose-guard.ts";
import { STATUS_KEY } from "../status.ts";
import { PatientDocuments } from "./attach-patient-document.ts";

const PDF = new TextEncoder().encode("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
const PATIENT = {
  family: "Durand",
  given: "Marie",
  birthDate: "1979-03-12",
  sex: "F",
  ins: TEST_INS,
  insOid: "1.2.250.1.213.1.4.10",
  qualified: true,
};
const SENDER = "jean.dupont@medecin.mssante.fr";
const NOW = new Date(Date.UTC(2030, 4, 6, 9, 30));

/** A bridge answering trust.list with the given domains (the guard lets trusted recipients go). */
const bridge: BridgeCaller = {
  connected: true,
  async call(method: string) {
    if (method === "trust.list")
      return {
        domains: ["medecin.mssante.fr", "patient.mssante.fr"],
        date: new Date(Date.now() - 3_600_000).toISOString(),
        testOnly: false,
      } as never;
    return { entry: { email: "x" } } as never;
  },
} as BridgeCaller;

function setup(opts: { card?: boolean } = {}) {
  const { messenger, fake } = createFakeMessenger();
  const attachments = new Map<number, File[]>();
  messenger.compose.addAttachment = async (tabId, a) => {
    attachments.set(tabId, [...(attachments.get(tabId) ?? []), a.file]);
    return { id: attachments.get(tabId)!.length, name: a.file.name };
  };
  fake.identities.set("id1", { id: "id1", email: SENDER });
  fake.identities.set("id2", { id: "id2", email: "jean@gmail.com" });
  fake.storage.set(KNOWN_ACCOUNTS_KEY, [{ accountId: "account1", email: SENDER }]);
  if (opts.card !== false)
    fake.storage.set(STATUS_KEY, {
      identity: {
        surname: "DUPONT",
        givenName: "JEAN",
        profession: "Médecin",
        idNat: "810001234567",
        idType: "RPPS",
        idNumber: "10001234567",
        kind: "personal",
        structure: null,
        notAfter: "2099-01-01T00:00:00Z",
      },
    });
  let n = 0;
  const docs = new PatientDocuments(messenger, { now: () => NOW, uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}` });
  messenger.compose.onBeforeSend.addListener(
    createBeforeSendListener({ messenger, bridge, askUser: async () => "cancel", outgoing: (tab, d) => docs.beforeSend(tab, d) }),
  );
  fake.composeTabs.set(7, { identityId: "id1", to: ["Dr A <a@medecin.mssante.fr>"], subject: "" });
  return { messenger, fake, docs, attachments };
}

const attach = (docs: PatientDocuments, patch: Record<string, unknown> = {}) =>
  docs.handleMessage({
    kind: "compose.patient.attach",
    tabId: 7,
    pdf: PDF.buffer.slice(0),
    typeCode: "11488-4",
    patient: PATIENT,
    ...patch,
  }) as Promise<
    | { ok: true; view: { attached: { subject: string; pdfName: string } }; warnings: { code: string; fr: string }[] }
    | { ok: false; reasons: { code: string; fr: string }[] }
  >;

describe("PatientDocuments: attaching a patient document", () => {
  it("attaches IHE_XDM.zip and the PDF named per ECO.2.1.6, sets the subject, and the archive reads back", async () => {
    const { fake, docs, attachments } = setup();
    const r = await attach(docs);
    expect(r.ok).toBe(true);
    // The test PDF declares no PDF/A: attached, and the GP is told (ECO.2.1.5).
    expect(r.ok && r.warnings.map((w) => w.code)).toEqual(["PDF_NOT_PDFA"]);
    expect(r.ok && r.warnings[0]!.fr).toContain("PDF/A");
    const files = attachments.get(7)!;
    expect(files.map((f) => [f.name, f.type])).toEqual([
      ["IHE_XDM.zip", "application/zip"],
      ["20300506_11488-4_DURAND_Marie.pdf", "application/pdf"],
    ]);
    expect(fake.composeTabs.get(7)?.subject).toBe("XDM/1.0/DDM+CR ou fiche de consultation ou de visite DURAND Marie 12/03/1979");
    const archive = new Uint8Array(await files[0]!.arrayBuffer());
    expect(Object.keys(unzipSync(archive)).sort()).toEqual([
      "IHE_XDM/SUBSET01/DOC0001.XML",
      "IHE_XDM/SUBSET01/METADATA.XML",
      "INDEX.HTM",
      "README.TXT",
    ]);
    const { reading } = await readXdmArchive(archive, { insHeader: "O" });
    expect(reading.patient).toMatchObject({ ins: TEST_INS, qualified: "test", family: "Durand", given: "Marie", sex: "F" });
    expect(reading.documents.map((d) => [d.typeCode, d.sizeOk, d.hashOk])).toEqual([["11488-4", true, true]]);
    expect(reading.problems.map((p) => p.code)).toEqual(["INS_TEST"]);
    expect(new Uint8Array(await files[1]!.arrayBuffer())).toEqual(PDF);
  });

  it("on send from the MSSanté identity: X-MSS-CODECDA, X-MSS-INS and a DSN; the choices end with the message", async () => {
    const { fake, docs } = setup();
    await attach(docs);
    expect(await fake.send(7, { ...fake.composeTabs.get(7)!, customHeaders: [{ name: "X-Keep", value: "k" }] })).toEqual({ sent: true });
    expect(fake.composeTabs.get(7)).toMatchObject({
      deliveryStatusNotification: true,
      customHeaders: [
        { name: "X-Keep", value: "k" },
        { name: "X-MSS-CODECDA", value: "11488-4" },
        { name: "X-MSS-INS", value: "O" },
      ],
    });
    expect(fake.composeTabs.get(7)?.returnReceipt).toBeUndefined();
    docs.forget(7);
    expect((await docs.view(7)).attached).toBeNull();
  });

  it("X-MSS-MES: FIN and a read receipt when the GP chose them, for a message to a patient", async () => {
    const { fake, docs } = setup();
    const patient = `${TEST_INS}@patient.mssante.fr`;
    fake.composeTabs.set(7, { identityId: "id1", to: [patient] });
    const view = (await docs.handleMessage({
      kind: "compose.patient.choices",
      tabId: 7,
      blockPatientReply: true,
      returnReceipt: true,
    })) as {
      patientRecipient: boolean;
    };
    expect(view.patientRecipient).toBe(true);
    expect(await fake.send(7, { identityId: "id1", to: [patient] })).toEqual({ sent: true });
    expect(fake.composeTabs.get(7)).toMatchObject({
      returnReceipt: true,
      deliveryStatusNotification: true,
      customHeaders: [{ name: "X-MSS-MES", value: "FIN" }],
    });
  });

  it("from a non-MSSanté identity: no X-MSS header and no DSN", async () => {
    const { fake, docs } = setup();
    await attach(docs);
    fake.composeTabs.set(7, { identityId: "id2", to: ["a@medecin.mssante.fr"] });
    await fake.send(7, { identityId: "id2", to: ["a@medecin.mssante.fr"] });
    expect(fake.composeTabs.get(7)?.customHeaders).toBeUndefined();
    expect(fake.composeTabs.get(7)?.deliveryStatusNotification).toBeUndefined();
  });

  it("clear French reasons: a wrong INS key, a missing trait, not a PDF; nothing attached", async () => {
    const { docs, attachments, fake } = setup();
    const wrongKey = `${TEST_INS.slice(0, 13)}${String((Number(TEST_INS.slice(13)) % 97) + 1).padStart(2, "0")}`;
    const r1 = await attach(docs, { patient: { ...PATIENT, ins: wrongKey } });
    expect(!r1.ok && r1.reasons.map((r) => [r.code, r.fr])).toEqual([["INS_KEY", "la clé de l'INS (deux derniers chiffres) est fausse"]]);
    const r2 = await attach(docs, { patient: { ...PATIENT, given: " " } });
    expect(!r2.ok && r2.reasons.map((r) => r.fr)).toEqual(["trait manquant : premier prénom de naissance"]);
    const r3 = await attach(docs, { pdf: new TextEncoder().encode("PK\u0003\u0004 not a pdf").buffer });
    expect(!r3.ok && r3.reasons.map((r) => r.fr)).toEqual(["le fichier n'est pas un PDF (%PDF-)"]);
    expect(attachments.get(7)).toBeUndefined();
    expect(fake.composeTabs.get(7)?.subject).toBe("");
  });

  it("refuses without the card's identity, and a second archive on the same message", async () => {
    const noCard = setup({ card: false });
    const r = await attach(noCard.docs);
    expect(!r.ok && r.reasons.map((x) => x.code)).toEqual(["AUTHOR_UNKNOWN"]);
    const { docs, attachments } = setup();
    expect((await attach(docs)).ok).toBe(true);
    const again = await attach(docs);
    expect(!again.ok && again.reasons.map((x) => x.code)).toEqual(["ALREADY_ATTACHED"]);
    expect(attachments.get(7)).toHaveLength(2);
  });

  it("gives the popup the document types with their source and the card's author", async () => {
    const { docs } = setup();
    const v = await docs.view(7);
    expect(v.author).toEqual({ family: "DUPONT", given: "JEAN", id: "810001234567" });
    expect(v.types.map((t) => t.code)).toContain("11488-4");
    expect(v.typesSource).toContain("JDV_J07-XdsTypeCode-CISIS");
    expect(docs.handleMessage({ kind: "status.get" })).toBeUndefined();
  });
});
