/**
 * The guard dialog: names the recipients outside the trust space, or a patient's address that is
 * not an INS, and why; the user removes them (the message then leaves at once to the others; with
 * nobody left it stays open), goes back to the message, or — ticking an explicit box first, and
 * only for recipients outside the trust space — sends this one message anyway. A patient together
 * with professionals: go on or go back. A message too large for a patient: back only.
 */
import type { BlockDecision, MixedRecipients, RecipientIssue } from "../../background/guard-decision.ts";
import { getMessenger } from "../../background/messenger-types.ts";
import { megabytes } from "../../../shared/domain/patient-recipients.ts";
import { send } from "../common/background-api.ts";
import { byId, el, formatDate, localizeDocument, t } from "../common/i18n.ts";

const id = Number(new URLSearchParams(location.search).get("id"));
const lang = getMessenger().i18n.getUILanguage();

function issueText(i: RecipientIssue): string {
  const why = i.ins ? (lang.startsWith("fr") ? i.ins.fr : i.ins.en) : (i.domain ?? "");
  return `${i.address ?? i.raw} — ${t(`guardProblem_${i.problem}`, [why])}`;
}

function showWarnings(warnings: readonly RecipientIssue[]): void {
  if (!warnings.length) return;
  byId("guard-warnings-box").hidden = false;
  byId("guard-warnings").replaceChildren(...warnings.map((i) => el("li", { textContent: issueText(i) })));
}

function showMixed(mixed: MixedRecipients | null): void {
  if (!mixed) return;
  byId("guard-mixed-box").hidden = false;
  byId("guard-mixed").textContent = t("guardMixed", [String(mixed.professionals.length)]);
  byId("guard-mixed-patients").replaceChildren(...mixed.patients.map((a) => el("li", { textContent: a })));
}

function onlyBack(): void {
  byId("guard-remove").hidden = true;
  byId("guard-anyway-box").hidden = true;
}

async function choose(choice: "remove" | "send-anyway" | "cancel") {
  await send({ kind: "guard.choose", id, choice });
  window.close();
}

async function main() {
  localizeDocument();
  const r = await send<{ decision: BlockDecision | null }>({ kind: "guard.get", id });
  const d = r.decision;
  if (!d) {
    byId("guard-reason").textContent = t("guardExpired");
    return;
  }
  document.body.dataset.reason = d.reason;
  if (d.reason.startsWith("patient-") || d.reason === "invalid-patient-address") byId("guard-title").textContent = t("guardTitlePatient");
  byId("guard-cancel").onclick = () => void choose("cancel");
  if (d.reason === "no-trust-list") {
    byId("guard-reason").textContent = t("guardNoTrustList");
    onlyBack();
    return;
  }
  const listText = t(d.list.source === "live" ? "guardListLive" : "guardListCache", [formatDate(d.list.date)]);
  byId("guard-list").textContent = d.list.testOnly ? `${listText} ${t("guardListTestOnly")}` : listText;
  if (d.list.testOnly) byId("guard-list").dataset.testOnly = "true";
  if (d.reason === "patient-message-too-large") {
    byId("guard-reason").textContent = t("guardPatientTooLarge", [megabytes(d.size, lang), megabytes(d.limit, lang)]);
    byId("guard-blocked").replaceChildren(...d.patients.map((a) => el("li", { textContent: a })));
    onlyBack();
    return;
  }
  if (d.reason === "patient-with-professionals") {
    byId("guard-reason").textContent = t("guardMixedIntro");
    showMixed(d.mixed);
    showWarnings(d.warnings);
    onlyBack();
    const goOn = byId("guard-go-on");
    goOn.hidden = false;
    goOn.onclick = () => void choose("send-anyway");
    return;
  }
  byId("guard-reason").textContent = t(d.reason === "invalid-patient-address" ? "guardPatientInvalidIntro" : "guardBlockedIntro");
  byId("guard-blocked").replaceChildren(...d.blocked.map((i) => el("li", { textContent: issueText(i) })));
  showWarnings(d.warnings);
  showMixed(d.mixed);
  // Says what "remove" does: send to the others in the same click, or (nobody left) only remove.
  byId("guard-remove").textContent = t(d.kept > 0 ? "guardRemoveAndSend" : "guardRemove");
  byId("guard-remove-note").textContent = t(d.kept > 0 ? "guardRemoveAndSendNote" : "guardRemoveNoneLeft");
  byId("guard-remove").onclick = () => void choose("remove");
  // A patient's address that is not an INS reaches nobody: no "send anyway".
  if (d.reason === "invalid-patient-address") {
    byId("guard-anyway-box").hidden = true;
    return;
  }
  const check = byId<HTMLInputElement>("guard-anyway-check");
  const anyway = byId<HTMLButtonElement>("guard-send-anyway");
  check.onchange = () => (anyway.disabled = !check.checked);
  anyway.onclick = () => {
    if (check.checked) void choose("send-anyway");
  };
}

void main();
