/**
 * "Joindre un document patient" (the compose action, issue 18). In the compose window's action
 * popup: the two choices for this message (block the patient's reply: X-MSS-MES: FIN; ask for a
 * read receipt) and a button that opens the form in its own window — Gecko closes an action popup
 * as soon as a file picker opens (Mozilla bug 1292701), so the PDF is chosen there. With
 * `?tabId=N` (that window): the choices and the form — the PDF, the document type (ANS's
 * JDV_J07, its source named), the patient's traits and INS — sent to the background
 * (background/compose/attach-patient-document.ts), which builds, checks and attaches the archive.
 */
import type { AttachReply, PatientComposeView } from "../../background/compose/attach-patient-document.ts";
import { getMessenger } from "../../background/messenger-types.ts";
import { send } from "../common/background-api.ts";
import { byId, el, localizeDocument, t } from "../common/i18n.ts";

const m = getMessenger();
const fr = m.i18n.getUILanguage().startsWith("fr");
const TEST_OIDS = new Set(["1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11"]);

async function composeTabId(): Promise<{ tabId: number | null; inPopup: boolean }> {
  const q = new URLSearchParams(location.search).get("tabId");
  if (q !== null && /^\d+$/.test(q)) return { tabId: Number(q), inPopup: false };
  const tabs = (await m.tabs.query?.({ active: true, currentWindow: true })) ?? [];
  const tab = tabs.find((x) => x.type === "messageCompose") ?? tabs[0];
  return { tabId: typeof tab?.id === "number" ? tab.id : null, inPopup: true };
}

/** `warnings`: the codes of what was attached with a warning (data-warnings, empty otherwise). */
function showResult(outcome: "success" | "failure", code: string, lines: string[], warnings: string[] = []): void {
  const r = byId("result");
  r.hidden = false;
  r.dataset.outcome = outcome;
  r.dataset.code = code;
  r.dataset.warnings = warnings.join(",");
  byId("result-lines").replaceChildren(...lines.map((l) => el("li", {}, [l])));
}

function render(v: PatientComposeView): void {
  byId<HTMLInputElement>("block-reply").checked = v.choices.blockPatientReply;
  byId<HTMLInputElement>("block-reply").disabled = !v.patientRecipient && !v.choices.blockPatientReply;
  byId("block-reply-hint").hidden = v.patientRecipient;
  byId<HTMLInputElement>("return-receipt").checked = v.choices.returnReceipt;
  byId("attached").hidden = v.attached === null;
  if (v.attached) {
    byId("attached-subject").textContent = v.attached.subject;
    byId("attached-pdf").textContent = v.attached.pdfName;
    byId("attached-headers").textContent = Object.entries(v.attached.headers)
      .map(([k, val]) => `${k}: ${val}`)
      .join(" · ");
  }
  byId("author").textContent = v.author ? `${v.author.given} ${v.author.family} (${v.author.id})` : t("composeNoAuthor");
  byId("types-source").textContent = v.typesSource;
  const select = byId<HTMLSelectElement>("type");
  if (select.options.length === 0)
    select.replaceChildren(...v.types.map((x) => el("option", { value: x.code, textContent: `${fr ? x.fr : x.en} (${x.code})` })));
  byId<HTMLButtonElement>("attach").disabled = v.attached !== null;
}

function patientOf(): Record<string, unknown> {
  const value = (id: string) => byId<HTMLInputElement>(id).value.trim();
  return {
    family: value("family"),
    given: value("given"),
    birthDate: value("birth-date"),
    sex: byId<HTMLSelectElement>("sex").value,
    qualified: byId<HTMLInputElement>("qualified").checked,
    ins: value("ins"),
    insOid: byId<HTMLSelectElement>("ins-oid").value,
    localId: value("local-id"),
    localOid: value("local-oid"),
  };
}

async function attach(tabId: number): Promise<void> {
  const file = byId<HTMLInputElement>("pdf").files?.[0];
  if (!file) {
    showResult("failure", "PDF_MISSING", [t("composePdfMissing")]);
    return;
  }
  byId<HTMLButtonElement>("attach").disabled = true;
  const pdf = await file.arrayBuffer();
  const typeCode = byId<HTMLSelectElement>("type").value;
  const r = await send<AttachReply>({ kind: "compose.patient.attach", tabId, pdf, typeCode, patient: patientOf() });
  if (r.ok) {
    render(r.view);
    showResult(
      "success",
      "attached",
      [t("composeAttached"), ...r.warnings.map((w) => (fr ? w.fr : w.en))],
      r.warnings.map((w) => w.code),
    );
  } else {
    byId<HTMLButtonElement>("attach").disabled = false;
    showResult(
      "failure",
      r.reasons.map((x) => x.code).join(","),
      r.reasons.map((x) => (fr ? x.fr : x.en)),
    );
  }
}

async function main(): Promise<void> {
  localizeDocument();
  const { tabId, inPopup } = await composeTabId();
  if (tabId === null) {
    byId("no-tab").hidden = false;
    byId("options").hidden = true;
    return;
  }
  const view = await send<PatientComposeView | null>({ kind: "compose.patient.get", tabId });
  if (!view) return;
  render(view);
  document.body.dataset.tabId = String(tabId);
  const choose = () =>
    void send<PatientComposeView>({
      kind: "compose.patient.choices",
      tabId,
      blockPatientReply: byId<HTMLInputElement>("block-reply").checked,
      returnReceipt: byId<HTMLInputElement>("return-receipt").checked,
    }).then(render);
  byId("block-reply").addEventListener("change", choose);
  byId("return-receipt").addEventListener("change", choose);
  if (inPopup) {
    byId("open-form-row").hidden = view.attached !== null;
    byId("open-form").addEventListener("click", () => {
      const url = m.runtime.getURL(`pages/compose/compose.html?tabId=${tabId}`);
      void m.windows.create({ url, type: "popup", width: 640, height: 760 }).then(() => window.close());
    });
  } else {
    const form = byId<HTMLFormElement>("form");
    form.hidden = false;
    const qualified = byId<HTMLInputElement>("qualified");
    const oid = byId<HTMLSelectElement>("ins-oid");
    const sync = () => {
      form.classList.toggle("unqualified", !qualified.checked);
      byId("oid-test").hidden = !qualified.checked || !TEST_OIDS.has(oid.value);
    };
    qualified.addEventListener("change", sync);
    oid.addEventListener("change", sync);
    sync();
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void attach(tabId);
    });
  }
  document.body.dataset.ready = "true";
}

void main();
