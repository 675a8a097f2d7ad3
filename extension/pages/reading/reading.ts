/**
 * The reading panel (the message display action's popup, or a tab with ?tabId=): the sender
 * verdict, the subject without its XDM prefix, the patient and the documents of the message's IHE
 * XDM archive, with a button to open each (document.html: a PDF in Thunderbird's viewer from a
 * blob: URL, a structured CDA as script-free HTML in a sandboxed frame); for a bounce from Mon espace
 * santé, why the patient did not get the message.
 */
import { getMessenger } from "../../background/messenger-types.ts";
import type { ReadingView } from "../../background/reading/reading-service.ts";
import type { MessageReceipts } from "../../background/receipts/receipt-state.ts";
import type { XdmDocument } from "../../../shared/xdm/read-xdm.ts";
import { send } from "../common/background-api.ts";
import { byId, el, formatDate, localizeDocument, t } from "../common/i18n.ts";

const m = getMessenger();
const lang = m.i18n.getUILanguage();

function grid(rows: [string, string | null | undefined, string?][]): HTMLElement {
  const g = el("div", { className: "state-grid" });
  for (const [label, value, check] of rows) {
    if (!value) continue;
    const v = el("span", {}, [value]);
    if (check) v.dataset.check = check;
    g.append(el("span", { className: "muted" }, [label]), v);
  }
  return g;
}

function day(iso: string | null): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : new Intl.DateTimeFormat(lang.startsWith("fr") ? "fr-FR" : lang, { dateStyle: "long", timeZone: "UTC" }).format(d);
}

function openDocument(messageId: number, source: "xdm" | "attachment", ref: string): void {
  const q = new URLSearchParams({ message: String(messageId), source, ref });
  void m.tabs.create({ url: m.runtime.getURL(`pages/reading/document.html?${q}`) });
}

function checks(d: XdmDocument): [string, string] {
  if (d.sizeOk === false || d.hashOk === false) return [t("readingChecksBad"), "bad"];
  if (d.sizeOk && d.hashOk) return [t("readingChecksOk"), "ok"];
  return [t("readingChecksUnknown"), "unknown"];
}

function renderDocument(v: ReadingView, d: XdmDocument, i: number): HTMLElement {
  const [checkText, check] = checks(d);
  const open = el("button", { className: "primary", id: `open-doc-${i}` }, [t("readingOpen")]);
  open.addEventListener("click", () => openDocument(v.messageId, "xdm", d.file));
  const box = el("div", { className: "doc" }, [
    el("h3", {}, [d.title ?? d.file]),
    grid([
      [t("readingDocType"), [d.typeLabel, d.typeCode ? `(${d.typeCode})` : null].filter(Boolean).join(" ")],
      [t("readingAuthor"), d.author],
      [t("readingOrganisation"), d.organisation],
      [t("readingDate"), day(d.date)],
      [t("readingMime"), d.mimeType],
      [t("readingChecks"), checkText, check],
    ]),
    el("div", { className: "row" }, [open]),
  ]);
  box.dataset.file = d.file;
  return box;
}

function render(v: ReadingView): void {
  byId("loading").hidden = true;
  const sender = byId("sender");
  sender.hidden = false;
  sender.dataset.level = v.text.level;
  sender.dataset.kind = v.verdict.kind;
  sender.dataset.proven = String(v.verdict.proven);
  sender.dataset.nameMismatch = String(v.verdict.nameMismatch);
  byId("sender-address").textContent = [v.verdict.displayName, v.verdict.address ? `<${v.verdict.address}>` : null]
    .filter(Boolean)
    .join(" ");
  byId("verdict-headline").textContent = v.text.headline;
  byId("verdict-lines").replaceChildren(...v.text.lines.map((l) => el("li", {}, [l])));
  const b = v.mesBounce;
  byId("bounce").hidden = !b;
  if (b) {
    byId("bounce-list").replaceChildren(
      ...b.recipients.map((r) => {
        const li = el("li", {}, [el("strong", {}, [r.address]), " — ", r.text]);
        li.dataset.kind = r.kind;
        const detail = [r.status, r.diagnostic].filter(Boolean).join(" — ");
        if (detail) li.append(el("div", { className: "muted small" }, [detail]));
        return li;
      }),
    );
    byId("bounce-note").textContent = b.note;
  }
  byId("subject-line").hidden = !v.subject;
  byId("subject").textContent = v.subject;

  const x = v.xdm;
  byId("no-xdm").hidden = !!x;
  if (x) {
    const p = x.patient;
    const q = p.qualified === true ? t("readingInsQualified") : p.qualified === "test" ? t("readingInsTest") : t("readingInsNotQualified");
    const patient = byId("patient");
    patient.hidden = false;
    patient.dataset.qualified = String(p.qualified);
    byId("patient-grid").replaceWith(
      Object.assign(
        grid([
          [t("readingName"), [p.family, p.given].filter(Boolean).join(" ")],
          [t("readingIns"), p.ins ? `${p.ins} — ${q}` : t("readingInsNone")],
          [t("readingInsOid"), p.insOid],
          [t("readingBirthDate"), day(p.birthDate)],
          [t("readingSex"), p.sex],
        ]),
        { id: "patient-grid" },
      ),
    );
    byId("documents").hidden = x.documents.length === 0;
    byId("document-list").replaceChildren(...x.documents.map((d, i) => renderDocument(v, d, i)));
    byId("problems").hidden = x.problems.length === 0;
    byId("problem-list").replaceChildren(...x.problems.map((pr) => el("li", { title: pr.code }, [lang.startsWith("fr") ? pr.fr : pr.en])));
  }
  byId("pdfs").hidden = v.pdfAttachments.length === 0;
  byId("pdf-list").replaceChildren(
    ...v.pdfAttachments.map((a, i) => {
      const b = el("button", { id: `open-pdf-${i}` }, [`${t("readingOpen")} ${a.name}`]);
      b.addEventListener("click", () => openDocument(v.messageId, "attachment", a.partName));
      return el("div", { className: "row" }, [b]);
    }),
  );
}

/** A sent message's delivery and read reports, per recipient (shown when some were received or it is a Sent copy). */
async function renderReceipts(tabId: number): Promise<void> {
  type Reply = { messageId: string; sentCopy: boolean; receipts: MessageReceipts | null } | { error: string };
  const r = await send<Reply>({ kind: "receipts.get", tabId }).catch(() => null);
  if (!r || "error" in r || (!r.receipts && !r.sentCopy)) return;
  const section = byId("receipts");
  section.hidden = false;
  const rows = Object.entries(r.receipts?.recipients ?? {});
  byId("receipts-none").hidden = rows.length > 0;
  byId("receipt-list").replaceChildren(
    ...rows.map(([address, x]) => {
      const li = el("li", {}, [`${address} — `, el("strong", {}, [t(`receiptState_${x.state}`)]), ` (${formatDate(x.at)})`]);
      li.dataset.address = address;
      li.dataset.state = x.state;
      return li;
    }),
  );
}

async function main(): Promise<void> {
  localizeDocument();
  const param = new URLSearchParams(location.search).get("tabId");
  let tabId = param ? Number(param) : undefined;
  if (tabId === undefined) tabId = (await m.tabs.query?.({ active: true, currentWindow: true }))?.[0]?.id;
  const v = tabId === undefined ? { error: "NO_MESSAGE" } : await send<ReadingView | { error: string }>({ kind: "reading.get", tabId });
  if (!v || "error" in v) {
    byId("loading").hidden = true;
    const e = byId("error");
    e.hidden = false;
    e.textContent = t("readingNoMessage");
    return;
  }
  render(v);
  await renderReceipts(tabId!);
}

void main();
