/**
 * The setup page: renders the live state and runs setup-flow.ts with real dependencies (bridge via
 * the background, messenger.pkcs11, the mssAccounts Experiment). The outcome of each phase is also
 * written to storage.local "mss.lastSetup" so a test driver can read it.
 */
import { log } from "../../background/log.ts";
import { getMessenger } from "../../background/messenger-types.ts";
import type { ExtensionStatus } from "../../background/status.ts";
import { cardPresent } from "../../background/status.ts";
import type { ServerTarget } from "../../../shared/domain/trust.ts";
import { callBridge, getStatus, onStatus, send } from "../common/background-api.ts";
import { byId, el, localizeDocument, t } from "../common/i18n.ts";
import { bridgeText, cardText, pinText } from "../common/status-text.ts";
import {
  bridgeCallTimeout,
  checksHeldAfter,
  describeChange,
  type LoginName,
  prepareSafely,
  provisionSafely,
  recordThroughBackground,
  type Prepared,
  type SetupDeps,
  type SetupFailure,
  type SetupUi,
  type StepId,
} from "./setup-flow.ts";

const m = getMessenger();
export const LAST_SETUP_KEY = "mss.lastSetup";
const STEPS: StepId[] = [
  "bridge",
  "card",
  "identity",
  "directory",
  "trust",
  "discovery",
  "pin",
  "module",
  "ca",
  "account",
  "certificate",
  "logon",
];

let status: ExtensionStatus | null = null;
let prepared: Prepared | null = null;
let busy = false;
let lastCardPresent: boolean | null = null;

const deps: SetupDeps = {
  bridgeState: () => status?.bridge.kind ?? "idle",
  call: (method, params) => callBridge(method, params, bridgeCallTimeout(method)),
  pkcs11: m.pkcs11,
  accounts: m.mssAccounts,
  loadCAs: async () => {
    const r = await fetch(m.runtime.getURL("data/igc-sante-cas.json"));
    const j = (await r.json()) as { certificates: { name: string; pem: string; subjectCN?: string }[] };
    return j.certificates;
  },
  recordAccount: recordThroughBackground((msg) => send(msg)),
};

// ---- questions to the user -----------------------------------------------------------------

function ask(
  text: string,
  items: string[],
  buttons: { yes: string; no: string } = { yes: "buttonContinue", no: "buttonStop" },
): Promise<boolean> {
  const box = byId("confirm");
  byId("confirm-text").textContent = text;
  byId("confirm-list").replaceChildren(...items.map((i) => el("li", { textContent: i })));
  byId("confirm-yes").textContent = t(buttons.yes);
  byId("confirm-no").textContent = t(buttons.no);
  box.hidden = false;
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      box.hidden = true;
      byId("confirm-yes").onclick = null;
      byId("confirm-no").onclick = null;
      resolve(v);
    };
    byId("confirm-yes").onclick = () => done(true);
    byId("confirm-no").onclick = () => done(false);
  });
}

const ui: SetupUi = {
  progress(step, state, info) {
    const li = document.querySelector<HTMLElement>(`#steps li[data-step="${step}"]`);
    if (!li) return;
    li.dataset.state = state;
    const extra =
      info && (info.imap || info.action || info.pin || info.login)
        ? ` (${[info.imap && `IMAP ${info.imap}`, info.smtp && `SMTP ${info.smtp}`, info.method && t(`stepMethod_${info.method}`), info.action && t(`action_${info.action}`), info.pin && t(`pin_${info.pin}`), info.login && t("stepLoginName", [info.login])].filter(Boolean).join(", ")})`
        : "";
    li.textContent = t(`step_${step}`) + extra;
    // The card's module was already in Thunderbird under another name: said instead of "done".
    if (info?.existingModule) li.textContent = t("stepModuleAlreadyLoaded", [info.existingModule]);
    if (info?.twiceAs) li.textContent = t("stepModuleLoadedTwice", [info.twiceAs]);
  },
  confirmTargets: (targets: ServerTarget[]) =>
    ask(
      t("confirmTargets"),
      targets.map((x) => `${x.service === "imap" ? "IMAP" : "SMTP"} ${x.host}:${x.port}`),
    ),
  confirmPin: (state) => ask(t(state === "final-try" ? "confirmPinFinalTry" : "confirmPinCountLow"), []),
  confirmRepair: (existing) =>
    ask(
      existing.matchedBy === "email" ? t("confirmRepair") : t("confirmRepairByServer", [existing.email ?? t("valueNone")]),
      existing.changes.map((c) => describeChange(c, t)),
      { yes: "buttonRepair", no: "buttonStop" },
    ),
};

// ---- rendering -------------------------------------------------------------------------------

function setPill(id: string, key: string, text: string, level: string) {
  const box = byId(id);
  box.dataset.state = key;
  box.dataset.level = level;
  box.querySelector(".pill")!.textContent = text;
}

function renderStatus(s: ExtensionStatus) {
  const b = bridgeText(s);
  setPill("state-bridge", b.key, b.text, s.bridge.kind === "connected" ? "ok" : s.bridge.kind === "unpaired" ? "warning" : "error");
  const c = cardText(s);
  setPill("state-card", c.key, c.text, c.key === "present" ? "ok" : c.key === "unknown" ? "" : "warning");
  const p = pinText(s);
  setPill(
    "state-pin",
    p.key,
    p.text,
    p.key === "ok" ? "ok" : p.key === "locked" || p.key === "final-try" ? "error" : p.key === "unknown" ? "" : "warning",
  );
  const hint = byId("state-hint");
  hint.textContent = b.hint ?? "";
  hint.hidden = !b.hint;
  byId("retry-bridge").hidden = s.bridge.kind === "connected";
  byId("pairing").hidden = s.bridge.kind !== "unpaired";
}

function renderSteps() {
  byId("steps").replaceChildren(...STEPS.map((s) => el("li", { textContent: t(`step_${s}`) }, [])));
  STEPS.forEach((s, i) => {
    const li = byId("steps").children[i] as HTMLElement;
    li.dataset.step = s;
    li.dataset.state = "pending";
  });
  byId("progress").hidden = false;
}

function showFailure(f: SetupFailure) {
  const box = byId("result");
  box.hidden = false;
  box.dataset.outcome = "failure";
  box.dataset.code = f.code;
  byId("result-title").textContent = t(`failure_${f.code}`);
  byId("result-text").textContent = checksHeldAfter(f) ? `${t(`todo_${f.code}`)} ${t("logonHeldNote")}` : t(`todo_${f.code}`);
  byId("result-details").hidden = !f.detail;
  byId("result-detail").textContent = f.detail ?? "";
}

function renderPrepared(p: Prepared) {
  byId("identity").hidden = false;
  const id = p.identity;
  byId("id-name").textContent = [id.givenName, id.surname].filter(Boolean).join(" ") || id.structure || "—";
  byId("id-profession").textContent = id.profession ?? "—";
  byId("id-rpps").textContent = `${id.idType} ${id.idNumber}`;
  byId("address").hidden = false;
  byId("address-note").textContent = p.directoryUnavailable
    ? t("addressDirectoryUnavailable")
    : p.candidates.length === 0
      ? t("addressNoneFound")
      : p.candidates.length === 1
        ? t("addressOneFound")
        : t("addressSeveralFound");
  const list = byId("candidates");
  list.replaceChildren(
    ...p.candidates.map((c) => {
      const input = el("input", { type: "radio", name: "address", value: c.email, checked: c.email === p.preselected });
      const where = [c.organisation, c.city].filter(Boolean).join(", ");
      return el("div", {}, [
        el("label", {}, [input, " ", el("strong", { textContent: c.email }), where ? ` — ${where}` : "", ` (${c.type})`]),
      ]);
    }),
  );
  byId<HTMLInputElement>("manual-choice").checked = !p.preselected;
}

async function record(v: Record<string, string | number | boolean | null>) {
  await m.storage.local.set({ [LAST_SETUP_KEY]: { at: new Date().toISOString(), ...v } });
  log(`setup.${String(v.phase)}`, { ok: v.ok ?? null, step: v.step ?? null, code: v.code ?? null, action: v.action ?? null });
}

// ---- actions ---------------------------------------------------------------------------------

/** Anything the flow could not turn into a failure itself (it should not happen): shown, not lost. */
function showUnexpected(e: unknown) {
  const detail = e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
  showFailure({ step: "account", code: "unexpected-error", detail: detail.slice(0, 300) });
}

async function runPrepare() {
  if (busy || !status || status.bridge.kind !== "connected") return;
  busy = true;
  try {
    byId("result").hidden = true;
    renderSteps();
    const r = await prepareSafely(deps, ui);
    if (!r.ok) {
      prepared = null;
      byId("address").hidden = true;
      showFailure(r.failure);
      await record({ phase: "prepare", ok: false, step: r.failure.step, code: r.failure.code });
      return;
    }
    prepared = r.prepared;
    renderPrepared(r.prepared);
    await record({
      phase: "prepare",
      ok: true,
      candidates: r.prepared.candidates.length,
      preselected: r.prepared.preselected,
      pin: r.prepared.pin.state,
    });
  } catch (e) {
    showUnexpected(e);
  } finally {
    busy = false;
  }
}

/** Which name the account logs in with, and why when the server refused the first one. */
function loginNameText(login: LoginName): string {
  const which = t(`loginName_${login.kind}`, [login.value]);
  return login.fallback ? `${which} ${t("loginNameFallback")}` : which;
}

async function runProvision() {
  if (busy || !prepared) return;
  const chosen = document.querySelector<HTMLInputElement>('input[name="address"]:checked');
  const address = !chosen || chosen.value === "__manual__" ? byId<HTMLInputElement>("manual-address").value.trim() : chosen.value;
  busy = true;
  byId<HTMLButtonElement>("create").disabled = true;
  try {
    byId("result").hidden = true;
    const mailbox = prepared.candidates.find((c) => c.email.toLowerCase() === address.toLowerCase()) ?? null;
    const r = await provisionSafely(deps, ui, { identity: prepared.identity, address, mailbox });
    if (!r.ok) {
      showFailure(r.failure);
      await record({ phase: "provision", ok: false, step: r.failure.step, code: r.failure.code, address });
      return;
    }
    const box = byId("result");
    box.hidden = false;
    box.dataset.outcome = "success";
    box.dataset.code = r.result.action;
    byId("result-title").textContent = t("setupSuccessTitle");
    byId("result-text").textContent =
      `${t(`setupSuccess_${r.result.action}`, [r.result.address])} ${loginNameText(r.result.login)} ${t(`setupMethod_${r.result.method}`)}`;
    box.dataset.method = r.result.method;
    box.dataset.login = r.result.login.kind;
    box.dataset.loginFallback = String(r.result.login.fallback);
    byId("result-details").hidden = true;
    await record({
      phase: "provision",
      ok: true,
      accountId: r.result.accountId,
      action: r.result.action,
      address: r.result.address,
      imapHost: r.result.imap.host,
      smtpHost: r.result.smtp.host,
      login: r.result.login.kind,
      method: r.result.method,
      loginFallback: r.result.login.fallback,
    });
  } catch (e) {
    showUnexpected(e);
  } finally {
    busy = false;
    byId<HTMLButtonElement>("create").disabled = false;
  }
}

function pairResult(r: { ok: boolean; error?: { code: string; message: string } }) {
  const out = byId("pair-result");
  out.hidden = false;
  out.textContent = r.ok ? t("pairingDone") : `${t("pairingFailed")} (${r.error?.code ?? "?"})`;
  out.dataset.outcome = r.ok ? "success" : "failure";
}

function onNewStatus(s: ExtensionStatus) {
  const wasConnected = status?.bridge.kind === "connected";
  status = s;
  renderStatus(s);
  const present = s.bridge.kind === "connected" && cardPresent(s.card);
  // Card inserted or removed, or the bridge just came up: read the card again.
  if ((s.bridge.kind === "connected" && !wasConnected) || (lastCardPresent !== null && present !== lastCardPresent)) void runPrepare();
  lastCardPresent = present;
}

async function main() {
  localizeDocument();
  byId("create").onclick = () => void runProvision();
  byId("retry-bridge").onclick = () => void send({ kind: "bridge.reconnect" });
  byId("pair-native").onclick = async () => pairResult(await send({ kind: "pair.native" }));
  byId("pair-code-submit").onclick = async () => {
    const code = byId<HTMLInputElement>("pair-code").value;
    const portText = byId<HTMLInputElement>("pair-port").value;
    pairResult(await send({ kind: "pair.code", code, ...(portText ? { port: Number(portText) } : {}) }));
  };
  byId("manual-address").onfocus = () => (byId<HTMLInputElement>("manual-choice").checked = true);
  onStatus(onNewStatus);
  onNewStatus(await getStatus());
}

void main();
