/**
 * "Joindre un document patient" (the compose action's popup, pages/compose/): the I/O around
 * patient-document-request.ts and compose-send-details.ts. For one compose tab it builds
 * IHE_XDM.zip with the shared builder (shared/xdm/build-xdm.ts, which checks every archive with
 * check-built-xdm.ts), reads it back once more with the reader (read-xdm.ts, X-MSS-INS
 * cross-checked), attaches the archive and the PDF named per ECO.2.1.6, sets the subject
 * (ECO.2.1.3) and keeps the X-MSS-CODECDA and X-MSS-INS values, with the popup's two choices
 * (block the patient's reply, ask for a read receipt), until the tab's message leaves. On send,
 * compose-guard.ts asks `beforeSend` for the details to merge. Logs carry codes and the type
 * code only, never an INS, a name or a subject.
 */
import { mssIdentityHeaders } from "../../../shared/domain/mss-identity-headers.ts";
import { type BuiltXdm, buildXdmArchive, type XdmBuildDeps } from "../../../shared/xdm/build-xdm.ts";
import { documentTypes } from "../../../shared/xdm/document-types.ts";
import { readXdmArchive } from "../../../shared/xdm/read-xdm.ts";
import type { XdmBuildReason } from "../../../shared/xdm/xdm-build-input.ts";
import { knownMssAddresses } from "../compose-guard.ts";
import { log } from "../log.ts";
import type { ComposeDetails, ComposeTab, Messenger } from "../messenger-types.ts";
import { recipientsOf } from "../recipients.ts";
import { STATUS_KEY, type ExtensionStatus } from "../status.ts";
import { type ComposeTabChoices, composeSendDetails, hasPatientRecipient, NO_CHOICES } from "./compose-send-details.ts";
import { authorFromIdentity, buildInputOf, NO_AUTHOR_REASON, parsePatientDocumentRequest } from "./patient-document-request.ts";

/** What the popup shows for its compose tab. */
export interface PatientComposeView {
  choices: ComposeTabChoices;
  /** The attached document: its subject, the PDF's name and the headers; null when none. */
  attached: { subject: string; pdfName: string; typeCode: string; headers: Record<string, string> } | null;
  patientRecipient: boolean;
  author: { family: string; given: string; id: string } | null;
  types: { code: string; fr: string; en: string }[];
  typesSource: string;
}

export type AttachReply =
  /** `warnings`: attached, and what the GP should know (the PDF does not declare PDF/A). */
  { ok: true; view: PatientComposeView; warnings: XdmBuildReason[] } | { ok: false; reasons: XdmBuildReason[] };

interface TabState {
  choices: ComposeTabChoices;
  attached: PatientComposeView["attached"];
}

function addressesOf(d: ComposeDetails): string[] {
  return [...recipientsOf(d.to), ...recipientsOf(d.cc), ...recipientsOf(d.bcc)]
    .map((r) => r.address)
    .filter((a): a is string => a !== null);
}

const TYPES_SOURCE = "ANS, JDV_J07-XdsTypeCode-CISIS (1.2.250.1.213.1.1.5.471)";

const failure = (code: string, fr: string, en: string): AttachReply => ({ ok: false, reasons: [{ code, fr, en }] });

export class PatientDocuments {
  private readonly tabs = new Map<number, TabState>();

  constructor(
    private readonly m: Messenger,
    private readonly deps: XdmBuildDeps = { now: () => new Date(), uuid: () => crypto.randomUUID() },
  ) {}

  private state(tabId: number): TabState {
    return this.tabs.get(tabId) ?? { choices: NO_CHOICES, attached: null };
  }

  private async identity(): Promise<ExtensionStatus["identity"] | null> {
    const status = (await this.m.storage.local.get(STATUS_KEY))[STATUS_KEY] as ExtensionStatus | undefined;
    return status?.identity ?? null;
  }

  async view(tabId: number): Promise<PatientComposeView> {
    const s = this.state(tabId);
    const details = await this.m.compose.getComposeDetails(tabId).catch((): ComposeDetails => ({}));
    const author = authorFromIdentity(await this.identity());
    return {
      choices: s.choices,
      attached: s.attached,
      patientRecipient: hasPatientRecipient(addressesOf(details)),
      author: author ? { family: author.family, given: author.given, id: author.id } : null,
      types: documentTypes().map((t) => ({ code: t.code, fr: t.fr, en: t.en })),
      typesSource: TYPES_SOURCE,
    };
  }

  setChoices(tabId: number, patch: Partial<Pick<ComposeTabChoices, "blockPatientReply" | "returnReceipt">>): void {
    const s = this.state(tabId);
    this.tabs.set(tabId, { ...s, choices: { ...s.choices, ...patch } });
  }

  /** Builds, checks and attaches the patient document to compose tab `request.tabId`. */
  async attach(raw: Record<string, unknown>): Promise<AttachReply> {
    const parsed = parsePatientDocumentRequest(raw);
    if (!parsed.ok) return parsed;
    const { request } = parsed;
    if (this.state(request.tabId).attached)
      return failure(
        "ALREADY_ATTACHED",
        "un document patient est déjà joint à ce message (un seul IHE_XDM.zip par message)",
        "a patient document is already attached to this message (one IHE_XDM.zip per message)",
      );
    const author = authorFromIdentity(await this.identity());
    if (!author) return { ok: false, reasons: [NO_AUTHOR_REASON] };
    const built = await buildXdmArchive(buildInputOf(request, author), this.deps);
    if (!built.ok) {
      log("compose.patient-document-refused", { codes: built.reasons.map((r) => r.code).join(",") });
      return built;
    }
    const readBack = await this.readBack(built);
    if (readBack) return readBack;
    const compose = this.m.compose;
    if (!compose.addAttachment)
      return failure("NO_ATTACH_API", "Thunderbird ne permet pas de joindre le fichier", "Thunderbird cannot attach the file");
    try {
      await compose.addAttachment(request.tabId, {
        file: new File([new Uint8Array(built.archive)], "IHE_XDM.zip", { type: "application/zip" }),
      });
      await compose.addAttachment(request.tabId, {
        file: new File([new Uint8Array(built.pdf.bytes)], built.pdf.name, { type: "application/pdf" }),
      });
      await this.m.compose.setComposeDetails(request.tabId, { subject: built.subject });
    } catch (e) {
      log("compose.patient-document-failed", { error: e instanceof Error ? e.name : "error" });
      return failure("ATTACH_FAILED", "le document n'a pas pu être joint au message", "the document could not be attached to the message");
    }
    const s = this.state(request.tabId);
    const attached = { subject: built.subject, pdfName: built.pdf.name, typeCode: request.typeCode, headers: built.headers };
    this.tabs.set(request.tabId, { choices: { ...s.choices, xdmHeaders: built.headers }, attached });
    log("compose.patient-document", {
      typeCode: request.typeCode,
      ins: built.headers["X-MSS-INS"] ?? "N",
      warnings: built.warnings.map((w) => w.code).join(","),
    });
    return { ok: true, view: await this.view(request.tabId), warnings: built.warnings };
  }

  /** The archive as a recipient's reader sees it, X-MSS-INS included: any problem but a test INS refuses it. */
  private async readBack(built: BuiltXdm): Promise<AttachReply | null> {
    const { reading } = await readXdmArchive(built.archive, { insHeader: built.headers["X-MSS-INS"] ?? null });
    const bad = reading.problems.filter((p) => p.code !== "INS_TEST" && p.code !== "INS_NOT_QUALIFIED");
    if (bad.length === 0 && reading.documents.length === 1) return null;
    log("compose.patient-document-unreadable", { codes: bad.map((p) => p.code).join(",") });
    return failure(
      "BUILD_CHECK_FAILED",
      "l'archive construite ne se relit pas correctement : rien n'a été joint",
      "the built archive does not read back correctly: nothing was attached",
    );
  }

  /** compose.onBeforeSend's part (compose-guard.ts): the details to merge into the message that goes, or null. */
  async beforeSend(tab: ComposeTab, details: ComposeDetails): Promise<ComposeDetails | null> {
    let sender: string | null = null;
    if (details.identityId) sender = (await this.m.identities.get(details.identityId).catch(() => null))?.email ?? null;
    const known = (await knownMssAddresses(this.m)).map((a) => a.toLowerCase());
    return composeSendDetails({
      choices: this.state(tab.id).choices,
      mssSender: sender !== null && known.includes(sender.toLowerCase()),
      recipients: addressesOf(details),
      customHeaders: details.customHeaders,
      identityHeaders: mssIdentityHeaders(),
    });
  }

  /** The tab's message left (or its window closed): its choices go with it. */
  forget(tabId: number): void {
    this.tabs.delete(tabId);
  }

  /** The compose popup's messages; undefined for any other kind (left to other listeners). */
  handleMessage(raw: unknown): Promise<unknown> | undefined {
    if (!raw || typeof raw !== "object") return undefined;
    const msg = raw as Record<string, unknown>;
    const tabId = typeof msg.tabId === "number" ? msg.tabId : null;
    switch (msg.kind) {
      case "compose.patient.get":
        return tabId === null ? Promise.resolve(null) : this.view(tabId);
      case "compose.patient.attach":
        return this.attach(msg).catch((e: unknown) => {
          log("compose.patient-document-failed", { error: e instanceof Error ? e.name : "error" });
          return failure("UNEXPECTED", "erreur inattendue : rien n'a été joint", "unexpected error: nothing was attached");
        });
      case "compose.patient.choices": {
        if (tabId === null) return Promise.resolve(null);
        const patch: Partial<ComposeTabChoices> = {};
        if (typeof msg.blockPatientReply === "boolean") patch.blockPatientReply = msg.blockPatientReply;
        if (typeof msg.returnReceipt === "boolean") patch.returnReceipt = msg.returnReceipt;
        this.setChoices(tabId, patch);
        return this.view(tabId);
      }
      default:
        return undefined;
    }
  }
}
