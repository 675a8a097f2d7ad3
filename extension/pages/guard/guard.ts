/**
 * The guard dialog: names the recipients outside the trust space and why; the user removes them
 * (the message then leaves at once to the others; with nobody left it stays open), goes back to
 * the message, or — ticking an explicit box first — sends this one message anyway.
 */
import type { GuardDecision, RecipientIssue } from "../../background/guard-decision.ts";
import { send } from "../common/background-api.ts";
import { byId, el, formatDate, localizeDocument, t } from "../common/i18n.ts";

type Block = Extract<GuardDecision, { action: "block" }>;
const id = Number(new URLSearchParams(location.search).get("id"));

function issueText(i: RecipientIssue): string {
  return `${i.address ?? i.raw} — ${t(`guardProblem_${i.problem}`, [i.domain ?? ""])}`;
}

async function choose(choice: "remove" | "send-anyway" | "cancel") {
  await send({ kind: "guard.choose", id, choice });
  window.close();
}

async function main() {
  localizeDocument();
  const r = await send<{ decision: Block | null }>({ kind: "guard.get", id });
  const d = r.decision;
  if (!d) {
    byId("guard-reason").textContent = t("guardExpired");
    return;
  }
  document.body.dataset.reason = d.reason;
  byId("guard-cancel").onclick = () => void choose("cancel");
  if (d.reason === "no-trust-list") {
    byId("guard-reason").textContent = t("guardNoTrustList");
    byId("guard-remove").hidden = true;
    byId("guard-anyway-box").hidden = true;
    return;
  }
  byId("guard-reason").textContent = t("guardBlockedIntro");
  byId("guard-blocked").replaceChildren(...d.blocked.map((i) => el("li", { textContent: issueText(i) })));
  if (d.warnings.length) {
    byId("guard-warnings-box").hidden = false;
    byId("guard-warnings").replaceChildren(...d.warnings.map((i) => el("li", { textContent: issueText(i) })));
  }
  const listText = t(d.list.source === "live" ? "guardListLive" : "guardListCache", [formatDate(d.list.date)]);
  byId("guard-list").textContent = d.list.testOnly ? `${listText} ${t("guardListTestOnly")}` : listText;
  if (d.list.testOnly) byId("guard-list").dataset.testOnly = "true";
  // Says what "remove" does: send to the others in the same click, or (nobody left) only remove.
  byId("guard-remove").textContent = t(d.kept > 0 ? "guardRemoveAndSend" : "guardRemove");
  byId("guard-remove-note").textContent = t(d.kept > 0 ? "guardRemoveAndSendNote" : "guardRemoveNoneLeft");
  byId("guard-remove").onclick = () => void choose("remove");
  const check = byId<HTMLInputElement>("guard-anyway-check");
  const anyway = byId<HTMLButtonElement>("guard-send-anyway");
  check.onchange = () => (anyway.disabled = !check.checked);
  anyway.onclick = () => {
    if (check.checked) void choose("send-anyway");
  };
}

void main();
