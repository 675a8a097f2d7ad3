/** The reading service against a fake messenger and a fake bridge caller: verdicts, the XDM panel, documents. */
import { describe, expect, it } from "vitest";
import { dsn } from "../../../test/fixtures/dsn-builder.ts";
import { cdaPdf, cdaStructured, PATIENT, section, xdmZip } from "../../../test/fixtures/xdm-builder.ts";
import type { BridgeCaller } from "../bridge-caller.ts";
import type { Messenger } from "../messenger-types.ts";
import { DUPONT } from "../../test-support/entries.ts";
import { createFakeMessenger, FakeEvent } from "../../test-support/fake-messenger.ts";
import type { MessageAttachment, MessageHeader, ReadingApis } from "./reading-apis.ts";
import { ReadingService, type ReadingView } from "./reading-service.ts";

const ACCOUNT = {
  accountId: "account1",
  email: "me@medecin.mssante.fr",
  imapHost: "imap.operateur.mssante.fr",
  smtpHost: "smtp.operateur.mssante.fr",
  provisionedAt: "2026-01-01T00:00:00Z",
};
const LMTP = "from mx.operateur.mssante.fr by imap.operateur.mssante.fr with LMTP id 1";
const TRUST_HOP =
  'from mx.a.mssante.fr (mx.a.mssante.fr [10.0.0.1]) (Client CN "mx.a.mssante.fr", Issuer "TEST IGC-SANTE" (verified OK)) by mx.operateur.mssante.fr with ESMTPS id 2';
const OUTSIDE_HOP = "from mail.example.com (mail.example.com [192.0.2.1]) by mx.operateur.mssante.fr with ESMTPS id 3";

interface FakeMessage {
  header: MessageHeader;
  received: string[];
  attachments: (MessageAttachment & { bytes: Uint8Array })[];
}

function setup(messages: FakeMessage[], opts: { bridgeUp?: boolean; inDirectory?: string[] } = {}) {
  const { messenger, fake } = createFakeMessenger();
  fake.storage.set("mss.accounts", [ACCOUNT]);
  fake.storage.set("mss.trustCache", {
    domains: ["medecin.mssante.fr", "a.mssante.fr", "patient.mssante.fr"],
    date: "2026-05-01T00:00:00Z",
    testOnly: false,
    fetchedAt: "2026-05-02T00:00:00Z",
  });
  const byId = new Map(messages.map((x) => [x.header.id, x]));
  const titles: { tabId?: number; title: string }[] = [];
  const reading: ReadingApis = {
    messageDisplay: { onMessageDisplayed: new FakeEvent(), getDisplayedMessage: async (tabId) => byId.get(tabId)?.header ?? null },
    messages: {
      getFull: async (id) => ({ headers: { received: byId.get(id)!.received } }),
      listAttachments: async (id) => byId.get(id)!.attachments.map(({ bytes: _b, ...a }) => a),
      getAttachmentFile: async (id, part) => new Blob([byId.get(id)!.attachments.find((a) => a.partName === part)!.bytes as BlobPart]),
    },
    messageDisplayAction: {
      setTitle: async (d) => void titles.push(d),
      setBadgeText: async () => undefined,
      setBadgeBackgroundColor: async () => undefined,
    },
    messageDisplayScripts: { register: async () => undefined },
  };
  const m = Object.assign(messenger, reading) as Messenger & ReadingApis;
  const bridge: BridgeCaller = {
    connected: opts.bridgeUp ?? true,
    call: (async (method: string, params: { address?: string }) => {
      if (method === "directory.lookupByAddress")
        return { entry: (opts.inDirectory ?? [DUPONT.email]).includes(params.address!) ? DUPONT : null };
      if (method === "directory.status")
        return { source: "offline", sourceDate: "2026-05-30T00:00:00Z", builtAt: null, count: 1, ageDays: 1, stale: false };
      if (method === "trust.list") throw new Error("down");
      throw new Error(method);
    }) as BridgeCaller["call"],
  };
  return { service: new ReadingService(m, bridge, { testBuild: false }), titles, m };
}

const msg = (id: number, author: string, received: string[], attachments: FakeMessage["attachments"] = []): FakeMessage => ({
  header: { id, author, subject: "XDM/1.0/DDM+Lettre de liaison", folder: { accountId: "account1" } },
  received,
  attachments,
});

async function get(service: ReadingService, tabId: number): Promise<ReadingView> {
  return (await (service as unknown as { viewOfTab(t: number): Promise<ReadingView> }).viewOfTab(tabId)) as ReadingView;
}

describe("ReadingService", () => {
  it("a colleague through the trust space: in the directory, with the extraction date; the subject without its XDM prefix", async () => {
    const { service } = setup([msg(1, `Dr Jean Dupont <${DUPONT.email}>`, [LMTP, TRUST_HOP])]);
    const v = await get(service, 1);
    expect(v.verdict).toMatchObject({ kind: "professional", proven: true, nameMismatch: false, extractionDate: "2026-05-30T00:00:00Z" });
    expect(v.text.headline).toBe("DUPONT Jean — dans l'annuaire national (extraction du 30 mai 2026)");
    expect(v.subject).toBe("Lettre de liaison");
    expect(v.xdm).toBeNull();
  });

  it("a forged From (the colleague's address from outside) only claims, and a wrong display name is pointed out", async () => {
    const { service } = setup([msg(2, `Dr Martin <${DUPONT.email}>`, [LMTP, OUTSIDE_HOP])]);
    const v = await get(service, 2);
    expect(v.verdict).toMatchObject({ kind: "professional", proven: false, nameMismatch: true });
    expect(v.text.headline).toMatch(/^L'adresse prétend être/);
    expect(v.text.lines.join(" ")).toContain("« Dr Martin »");
  });

  it("the GP's own Sent copy (From the account, no Received line): « Votre message », not 'the address claims to be…'", async () => {
    const sent = (id: number, folder: MessageHeader["folder"], author = `Dr Me <${ACCOUNT.email}>`, received: string[] = []) => ({
      ...msg(id, author, received),
      header: { id, author, subject: "Compte rendu", folder },
    });
    const { service } = setup(
      [
        sent(10, { accountId: "account1", path: "/Sent", specialUse: ["sent"] }),
        sent(11, { accountId: "account1", path: "/Drafts", type: "drafts" }),
        // Not the GP's own copy: in the inbox; transported (a Received line); another address.
        sent(12, { accountId: "account1", path: "/INBOX", specialUse: ["inbox"] }),
        sent(13, { accountId: "account1", path: "/Sent", specialUse: ["sent"] }, undefined, [LMTP, OUTSIDE_HOP]),
        sent(14, { accountId: "account1", path: "/Sent", specialUse: ["sent"] }, `Dr X <${DUPONT.email}>`),
      ],
      { inDirectory: [] },
    );
    const own = await get(service, 10);
    expect(own.verdict).toMatchObject({ kind: "own", proven: true });
    expect(own.text).toMatchObject({ level: "ok", headline: `Votre message, envoyé depuis votre compte MSSanté : ${ACCOUNT.email}` });
    expect((await get(service, 11)).verdict.kind).toBe("own");
    for (const id of [12, 13, 14]) expect((await get(service, id)).verdict.kind, String(id)).not.toBe("own");
  });

  it("with the bridge away, the cached trust list still marks a domain outside the trust space", async () => {
    const { service } = setup([msg(3, "x@example.com", [LMTP, OUTSIDE_HOP])], { bridgeUp: false });
    expect((await get(service, 3)).verdict.kind).toBe("outside-trust-space");
  });

  it("a patient with an XDM: the patient and documents, a PDF from the CDA and a structured CDA as HTML", async () => {
    const archive = await xdmZip([
      {
        uri: "DOC0001.XML",
        content: cdaPdf("11490-0", "Lettre de liaison"),
        typeCode: "11490-0",
        typeLabel: "Lettre de liaison",
        title: "Lettre de liaison",
      },
      {
        uri: "DOC0002.XML",
        content: cdaStructured("11502-2", "CR de biologie", section("Résultats", "Hémoglobine 14 g/dL")),
        typeCode: "11502-2",
        typeLabel: "CR de biologie",
        title: "CR de biologie",
      },
    ]);
    const { service } = setup([
      msg(
        4,
        "Marie Durand <marie.durand@patient.mssante.fr>",
        [LMTP, TRUST_HOP],
        [{ contentType: "application/zip", name: "IHE_XDM.zip", partName: "1.2", size: archive.length, bytes: archive }],
      ),
    ]);
    const v = await get(service, 4);
    expect(v.verdict).toMatchObject({ kind: "patient", nameMismatch: false });
    expect(v.xdm!.patient).toMatchObject({ ins: PATIENT.id, qualified: true, family: "DURAND", given: "Marie" });
    expect(v.xdm!.documents.map((d) => [d.title, d.sizeOk, d.hashOk])).toEqual([
      ["Lettre de liaison", true, true],
      ["CR de biologie", true, true],
    ]);
    expect(v.text.headline).toBe("Patient (Mon espace santé) : Marie DURAND");
    const pdf = await service.document(4, "xdm", v.xdm!.documents[0]!.file);
    expect("kind" in pdf && pdf.kind).toBe("pdf");
    const html = await service.document(4, "xdm", v.xdm!.documents[1]!.file);
    expect("kind" in html && html.kind === "html" && html.html).toContain("Hémoglobine");
    expect(await service.document(4, "xdm", "IHE_XDM/SUBSET01/NOPE.XML")).toEqual({ error: "DOCUMENT_GONE" });
  });

  it("a PDF attachment opens; anything else is refused", async () => {
    const pdf = new TextEncoder().encode("%PDF-1.4\n%%EOF\n");
    const { service } = setup([
      msg(
        5,
        `Dr Jean Dupont <${DUPONT.email}>`,
        [LMTP, TRUST_HOP],
        [{ contentType: "application/pdf", name: "cr.pdf", partName: "1.2", size: pdf.length, bytes: pdf }],
      ),
    ]);
    const v = await get(service, 5);
    expect(v.pdfAttachments).toEqual([{ partName: "1.2", name: "cr.pdf", size: pdf.length }]);
    expect(await service.document(5, "attachment", "1.2")).toMatchObject({ kind: "pdf" });
  });

  it("shows the verdict on the message display action of the tab", async () => {
    const { service, titles, m } = setup([msg(6, "x@example.com", [LMTP, OUTSIDE_HOP])]);
    service.start();
    const header = await m.messageDisplay.getDisplayedMessage(6);
    for (const e of (m.messageDisplay.onMessageDisplayed as FakeEvent<(t: { id?: number }, h: MessageHeader | null) => void>).entries)
      e.fn({ id: 6 }, header);
    await new Promise((r) => setTimeout(r, 50));
    expect(titles).toEqual([{ tabId: 6, title: "Expéditeur hors de l'espace de confiance MSSanté : x@example.com" }]);
  });
});

describe("ReadingService: bounces from Mon espace santé", () => {
  /** An invented INS matricule (its key computed outside this code). */
  const PATIENT_ADDRESS = "279035121518989@patient.mssante.fr";

  function withReport(raw: string, binary = true) {
    const s = setup([msg(7, "MAILER-DAEMON@mx.operateur.mssante.fr (Mail Delivery System)", [LMTP])]);
    s.m.messages.getFull = async () => ({ contentType: "message/rfc822", parts: [{ contentType: "multipart/report", parts: [] }] });
    // MV2's getRaw gives a binary string: one character per byte of the UTF-8 text.
    s.m.messages.getRaw = async () => (binary ? String.fromCharCode(...new TextEncoder().encode(raw)) : new Blob([raw]));
    return s;
  }

  it("explains each of the four cases in French, with the status and the server's text", async () => {
    for (const [status, kind, words] of [
      ["5.2.1", "account-closed", "est clos"],
      ["5.1.1", "patient-unknown", "ne connaît pas ce patient"],
      ["5.1.3", "invalid-address", "comme invalide"],
      ["5.3.4", "too-large", "25 Mo"],
    ] as const) {
      const diagnostic = `550 ${status} refusé — rejeté`;
      const { service } = withReport(dsn([{ address: PATIENT_ADDRESS, action: "failed", status, diagnostic }]));
      const v = await get(service, 7);
      expect(v.mesBounce?.recipients, status).toEqual([
        { address: PATIENT_ADDRESS, kind, status, diagnostic, text: expect.stringContaining(words) },
      ]);
      expect(v.mesBounce?.note).toContain("RFC 3464");
    }
    const { service } = withReport(dsn([{ address: PATIENT_ADDRESS, action: "failed", status: "5.7.1" }]), false);
    expect((await get(service, 7)).mesBounce?.recipients[0]).toMatchObject({ kind: "other", text: expect.stringContaining("code 5.7.1") });
  });

  it("does not misread a professional's bounce, and reads no raw message for an ordinary one", async () => {
    const pro = withReport(
      dsn([{ address: "dr.martin@chu.mssante.fr", action: "failed", status: "5.1.1", diagnostic: "550 5.1.1 User unknown" }]),
    );
    expect((await get(pro.service, 7)).mesBounce).toBeNull();
    const { service, m } = setup([msg(8, `Dr Jean Dupont <${DUPONT.email}>`, [LMTP, TRUST_HOP])]);
    let reads = 0;
    m.messages.getRaw = async () => {
      reads++;
      return "";
    };
    expect((await get(service, 8)).mesBounce).toBeNull();
    expect(reads).toBe(0);
  });
});
