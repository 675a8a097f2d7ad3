/**
 * The reading side (issue 17), the I/O around the pure modules of this folder: for each displayed
 * message, the sender verdict (directory lookup by address through the bridge, the cached trust
 * list when it is away, the account's own trace headers) and the message's IHE XDM archive read
 * with shared/xdm. Results stay in memory (the last few messages only); nothing is logged but
 * codes: never an INS, a name or a body.
 *
 * Pages ask over runtime messages:
 *   {kind: "reading.get", tabId}                         → ReadingView | {error}
 *   {kind: "reading.document", messageId, source, ref}   → {kind: "pdf", bytes} | {kind: "html", html} | {error}
 *   {kind: "reading.banner"} (from the message display script; its tab) → {level, headline, lines}
 */
import { readDsnFields } from "../../../shared/domain/delivery-report.ts";
import { recogniseMesBounce } from "../../../shared/domain/mes-bounce.ts";
import type { Result } from "../../../shared/protocol/schemas.ts";
import { readCda } from "../../../shared/xdm/read-cda.ts";
import { readXdmArchive, type XdmReading } from "../../../shared/xdm/read-xdm.ts";
import type { BridgeCaller } from "../bridge-caller.ts";
import { provisionedAccounts } from "../card-watch.ts";
import { log } from "../log.ts";
import type { Messenger, MessageSender } from "../messenger-types.ts";
import { TrustLists } from "../trust-cache.ts";
import { type MesBounceView, mesBounceView } from "./bounce-text.ts";
import { messageAuthor } from "./message-author.ts";
import type { MessageAttachment, MessageHeader, MessagePart, ReadingApis } from "./reading-apis.ts";
import { ownDomains, readReceivedTrace } from "./received-trace.ts";
import { type DirectoryAnswer, type SenderVerdict, senderVerdict } from "./sender-verdict.ts";
import { type VerdictText, verdictText } from "./verdict-text.ts";
import { subjectWithoutXdmPrefix } from "./xdm-subject.ts";

export interface ReadingView {
  messageId: number;
  subject: string;
  verdict: SenderVerdict;
  text: VerdictText;
  /** The IHE XDM archive's reading, or null when the message has none. */
  xdm: XdmReading | null;
  pdfAttachments: { partName: string; name: string; size: number }[];
  /** A bounce from Mon espace santé (a delivery report about a patient), explained; else null. */
  mesBounce: MesBounceView | null;
}

export type DocumentReply = { kind: "pdf"; bytes: Uint8Array } | { kind: "html"; html: string } | { error: string };

const XDM_NAME = /^ihe_xdm\.zip$/i;
const KEEP = 8;

/** A delivery report (multipart/report) anywhere in the message's structure. */
function isReport(p: MessagePart): boolean {
  return (p.contentType ?? "").toLowerCase().startsWith("multipart/report") || (p.parts ?? []).some(isReport);
}

/** MV2's getRaw gives a binary string (one character per byte): back to UTF-8 text. */
function rawText(raw: string): string {
  if (/[^\u0000-\u00ff]/.test(raw)) return raw; // already text
  return new TextDecoder().decode(Uint8Array.from(raw, (c) => c.charCodeAt(0)));
}

function isPdf(a: MessageAttachment): boolean {
  return a.contentType.toLowerCase() === "application/pdf" || /\.pdf$/i.test(a.name);
}

interface Cached {
  view: Promise<ReadingView>;
  files: Map<string, Uint8Array>;
}

/** Folders where Thunderbird files the GP's own messages. */
const OWN_FOLDERS = new Set(["sent", "drafts", "templates", "outbox"]);

function isOwnCopyFolder(folder: MessageHeader["folder"]): boolean {
  if (!folder) return false;
  return (folder.specialUse ?? []).some((u) => OWN_FOLDERS.has(u)) || (!!folder.type && OWN_FOLDERS.has(folder.type));
}

export class ReadingService {
  private readonly cache = new Map<number, Cached>();
  private readonly trust: TrustLists;

  constructor(
    private readonly m: Messenger & ReadingApis,
    private readonly bridge: BridgeCaller,
    opts: { testBuild: boolean },
  ) {
    this.trust = new TrustLists(m, bridge, { testBuild: opts.testBuild });
  }

  /** Registers the listeners (synchronously) and the message display script. */
  start(): void {
    const m = this.m;
    m.messageDisplay.onMessageDisplayed.addListener((tab, message) => {
      if (!message || tab.id === undefined) return;
      const tabId = tab.id;
      void this.view(message)
        .then((v) => this.showOnButton(tabId, v.text))
        .catch((e: unknown) => log("reading.failed", { code: e instanceof Error ? e.name : "UNKNOWN" }));
    });
    m.runtime.onMessage.addListener((raw: unknown, sender: MessageSender) => this.handleMessage(raw, sender));
    void m.messageDisplayScripts
      .register({ js: [{ file: "pages/reading/banner.js" }], css: [{ file: "pages/reading/banner.css" }] })
      .catch(() => log("reading.banner-unavailable"));
  }

  private handleMessage(raw: unknown, sender: MessageSender): Promise<unknown> | undefined {
    if (!raw || typeof raw !== "object") return undefined;
    const msg = raw as Record<string, unknown>;
    switch (msg.kind) {
      case "reading.get":
        return typeof msg.tabId === "number"
          ? this.viewOfTab(msg.tabId).catch(() => ({ error: "READ_FAILED" }))
          : Promise.resolve({ error: "INVALID_PARAMS" });
      case "reading.banner": {
        const tabId = sender.tab?.id;
        if (tabId === undefined) return Promise.resolve(null);
        return this.viewOfTab(tabId).then(
          (v) => (v && "text" in v ? v.text : null),
          () => null,
        );
      }
      case "reading.document":
        if (typeof msg.messageId !== "number" || typeof msg.ref !== "string" || (msg.source !== "xdm" && msg.source !== "attachment"))
          return Promise.resolve({ error: "INVALID_PARAMS" });
        return this.document(msg.messageId, msg.source, msg.ref);
      default:
        return undefined;
    }
  }

  private async viewOfTab(tabId: number): Promise<ReadingView | { error: string }> {
    const message = await this.m.messageDisplay.getDisplayedMessage(tabId);
    if (!message) return { error: "NO_MESSAGE" };
    return await this.view(message);
  }

  private async showOnButton(tabId: number, text: VerdictText): Promise<void> {
    const a = this.m.messageDisplayAction;
    const badge = { ok: ["✓", "#2e7d32"], info: ["✓", "#1565c0"], warn: ["!", "#e65100"], danger: ["✗", "#b71c1c"] }[text.level];
    await a.setTitle({ tabId, title: text.headline }).catch(() => undefined);
    await a.setBadgeText({ tabId, text: badge[0]! }).catch(() => undefined);
    await a.setBadgeBackgroundColor({ tabId, color: badge[1]! }).catch(() => undefined);
  }

  /** The reading of a message (computed once, kept for the last few messages). */
  view(message: MessageHeader): Promise<ReadingView> {
    const hit = this.cache.get(message.id);
    if (hit) return hit.view;
    const files = new Map<string, Uint8Array>();
    const view = this.compute(message, files);
    this.cache.set(message.id, { view, files });
    while (this.cache.size > KEEP) this.cache.delete(this.cache.keys().next().value!);
    view.catch(() => this.cache.delete(message.id));
    return view;
  }

  private async compute(message: MessageHeader, files: Map<string, Uint8Array>): Promise<ReadingView> {
    const m = this.m;
    const full = await m.messages.getFull(message.id);
    const headers = full.headers ?? {};
    const author = messageAuthor(message.author);
    const account = (await provisionedAccounts(m)).find((a) => a.accountId === message.folder?.accountId) ?? null;
    const trace = account
      ? readReceivedTrace(
          { received: headers.received ?? [], authenticationResults: headers["authentication-results"] ?? [] },
          ownDomains(account.email, account.imapHost),
          author.domain ?? "",
        )
      : null;
    const list = await this.trust.current().catch(() => null);
    const [directory, extractionDate] = await Promise.all([this.lookup(author.address), this.extractionDate()]);

    const attachments = await m.messages.listAttachments(message.id).catch(() => [] as MessageAttachment[]);
    let xdm: XdmReading | null = null;
    const archive = attachments.find((a) => XDM_NAME.test(a.name));
    if (archive) {
      const blob = await m.messages.getAttachmentFile(message.id, archive.partName);
      const read = await readXdmArchive(new Uint8Array(await blob.arrayBuffer()), { insHeader: headers["x-mss-ins"]?.[0] ?? null });
      xdm = read.reading;
      for (const [k, v] of read.files) files.set(k, v);
      log("reading.xdm", { documents: xdm.documents.length, problems: xdm.problems.map((p) => p.code).join(",") });
    }
    const ownCopy =
      !!account &&
      isOwnCopyFolder(message.folder) &&
      author.address?.toLowerCase() === account.email.toLowerCase() &&
      (headers.received ?? []).length === 0;
    const verdict = senderVerdict({
      author,
      ownCopy,
      mssAccount: !!account,
      trace,
      trustDomains: list?.domains ?? null,
      directory,
      extractionDate,
      xdmPatient: xdm?.patient ?? null,
    });
    const mesBounce = isReport(full) ? await this.mesBounce(message.id) : null;
    log("reading.verdict", {
      kind: verdict.kind,
      proven: verdict.proven,
      nameMismatch: verdict.nameMismatch,
      reasons: verdict.reasons.join(","),
    });
    return {
      messageId: message.id,
      subject: subjectWithoutXdmPrefix(message.subject),
      verdict,
      text: verdictText(verdict, (n, s) => m.i18n.getMessage(n, s), m.i18n.getUILanguage()),
      xdm,
      pdfAttachments: attachments.filter(isPdf).map((a) => ({ partName: a.partName, name: a.name, size: a.size })),
      mesBounce,
    };
  }

  /** Mon espace santé's bounce in a delivery report (shared/domain/mes-bounce.ts), explained; null otherwise. */
  private async mesBounce(messageId: number): Promise<MesBounceView | null> {
    const getRaw = this.m.messages.getRaw;
    if (!getRaw) return null;
    try {
      const raw = await getRaw.call(this.m.messages, messageId);
      const found = recogniseMesBounce(readDsnFields(typeof raw === "string" ? rawText(raw) : await raw.text()));
      if (!found) return null;
      // Codes only: the addresses hold patients' INS.
      log("reading.mes-bounce", { kinds: found.map((r) => r.kind).join(",") });
      return mesBounceView(found, (n, s) => this.m.i18n.getMessage(n, s));
    } catch {
      return null;
    }
  }

  private async lookup(address: string | null): Promise<DirectoryAnswer> {
    if (!address || !this.bridge.connected) return { state: "unavailable" };
    try {
      const r: Result<"directory.lookupByAddress"> = await this.bridge.call("directory.lookupByAddress", { address }, 5000);
      return r.entry ? { state: "found", entry: r.entry } : { state: "absent" };
    } catch {
      return { state: "unavailable" };
    }
  }

  private async extractionDate(): Promise<string | null> {
    if (!this.bridge.connected) return null;
    try {
      return (await this.bridge.call("directory.status", {}, 5000)).sourceDate;
    } catch {
      return null;
    }
  }

  /** A document's bytes (a PDF) or script-free HTML (a structured CDA), for the document page. */
  async document(messageId: number, source: "xdm" | "attachment", ref: string): Promise<DocumentReply> {
    try {
      if (source === "attachment") {
        const blob = await this.m.messages.getAttachmentFile(messageId, ref);
        const bytes = new Uint8Array(await blob.arrayBuffer());
        return new TextDecoder().decode(bytes.subarray(0, 5)) === "%PDF-" ? { kind: "pdf", bytes } : { error: "NOT_A_PDF" };
      }
      const cached = this.cache.get(messageId);
      if (cached) await cached.view;
      const bytes = cached?.files.get(ref);
      if (!bytes) return { error: "DOCUMENT_GONE" };
      if (new TextDecoder().decode(bytes.subarray(0, 5)) === "%PDF-") return { kind: "pdf", bytes };
      const cda = readCda(bytes, ref);
      if (cda.body?.kind === "pdf") return { kind: "pdf", bytes: cda.body.pdf };
      if (cda.body?.kind === "html") return { kind: "html", html: cda.body.html };
      return { error: cda.problems[0]?.code ?? "CDA_NO_BODY" };
    } catch (e) {
      return { error: e instanceof Error ? e.name : "UNKNOWN" };
    }
  }
}
