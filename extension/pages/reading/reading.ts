/**
 * The reading panel (the message display action's popup, or a tab with ?tabId=): the sender
 * verdict, the subject without its XDM prefix, the patient and the documents of the message's IHE
 * XDM archive, with a button to open each (document.html: a PDF in Thunderbird's viewer from a
 * blob: URL, a structured CDA as script-free HTML in a sandboxed frame).
 */
import { getMessenger } from "../../background/messenger-types.ts";
import type { ReadingView } from "../../background/reading/reading-service.ts";
import type { XdmDocument } from "../../../shared/xdm/read-xdm.ts";
import { send } from "../common/background-api.ts";
import { byId, el, localizeDocument, t } from "../common/i18n.ts";

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
}

void main();
