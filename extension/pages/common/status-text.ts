/** Human text for the status snapshot, shared by the popup and the setup page. */
import type { Result } from "../../../shared/protocol/schemas.ts";
import type { ExtensionStatus } from "../../background/status.ts";
import { cardPresent } from "../../background/status.ts";
import { callFailure } from "../setup/setup-flow.ts";
import { formatDate, t } from "./i18n.ts";

export function bridgeText(s: ExtensionStatus): { key: string; text: string; hint: string | null } {
  const k = s.bridge.kind;
  const key = {
    idle: "statusConnecting",
    connecting: "statusConnecting",
    down: "statusBridgeDown",
    unpaired: "statusUnpaired",
    "not-the-bridge": "statusNotTheBridge",
    incompatible: "statusIncompatible",
    connected: s.bridge.kind === "connected" && s.bridge.hello.demo ? "statusConnectedDemo" : "statusConnected",
  }[k];
  if (k === "unpaired" && s.pairingRevoked)
    return { key: "pairing-revoked", text: t("statusPairingRevoked"), hint: t("hintPairingRevoked") };
  const hint =
    k === "down"
      ? t("hintStartBridge")
      : k === "unpaired"
        ? t("hintPair")
        : k === "not-the-bridge"
          ? t("hintNotTheBridge")
          : s.bridge.kind === "incompatible"
            ? t(s.bridge.update === "extension" ? "hintUpdateExtension" : "hintUpdateBridge")
            : null;
  return { key: k, text: t(key), hint };
}

export function cardText(s: ExtensionStatus): { key: string; text: string } {
  if (s.bridge.kind !== "connected" || !s.card) return { key: "unknown", text: t("cardUnknown") };
  if (!s.card.pcscAvailable) return { key: "pcsc-unavailable", text: t("failure_pcsc-unavailable") };
  if (!s.card.readers.length) return { key: "no-reader", text: t("failure_no-reader") };
  if (!cardPresent(s.card)) {
    if (s.card.readers.some((r) => r.cardPresent && r.unknownCard)) return { key: "unknown-card", text: t("failure_unknown-card") };
    return { key: "no-card", text: t("failure_no-card") };
  }
  const problem = cardProblemText(s);
  if (problem) return { key: problem.key, text: problem.text };
  const reader = s.card.readers.find((r) => r.cardPresent);
  return { key: "present", text: t("cardPresent", [reader?.model?.name ?? reader?.name ?? ""]) };
}

/**
 * The card in the reader could not be read: what went wrong and what to do, in the user's
 * language from the bridge's error code (the setup page's texts for the same failures; a generic
 * text naming the code for the others). Null when there is no such problem to show.
 */
export function cardProblemText(s: ExtensionStatus): { code: string; key: string; text: string; todo: string } | null {
  const code = s.cardProblem?.code;
  if (!code || s.bridge.kind !== "connected" || !cardPresent(s.card)) return null;
  const failure = callFailure({ code, message: "" });
  if (failure === "bridge-error" || failure === "bridge-down")
    return { code, key: "card-unreadable", text: t("cardReadFailed", [code]), todo: t("todoCardReadFailed") };
  return { code, key: failure, text: t(`failure_${failure}`), todo: t(`todo_${failure}`) };
}

export function pinText(s: ExtensionStatus): { key: string; text: string } {
  const st = s.pin?.state;
  if (!st || s.bridge.kind !== "connected") return { key: "unknown", text: t("pinUnknown") };
  return { key: st, text: t(`pin_${st}`) };
}

export function identityText(s: ExtensionStatus): string | null {
  const id = s.identity;
  if (!id) return null;
  const name = [id.givenName, id.surname].filter(Boolean).join(" ");
  return [name || id.structure, id.profession, id.idType === "RPPS" ? `RPPS ${id.idNumber}` : `${id.idType} ${id.idNumber}`]
    .filter(Boolean)
    .join(" — ");
}

/**
 * The directory the autocomplete searches: which one, from when, how many addresses; flagged when
 * the offline index is older than a week (the bridge refreshes it daily: an old one means the
 * refresh fails), with what to do. Null: unknown (bridge not connected or not answering).
 */
export function directoryText(
  d: Result<"directory.status"> | null,
  lang?: string,
): { key: string; level: "ok" | "warning"; text: string; hint: string | null } | null {
  if (!d) return null;
  if (d.source === "ldap") return { key: "ldap", level: "ok", text: t("directoryLdap"), hint: null };
  if (d.source === "none" || d.count === 0)
    return { key: "none", level: "warning", text: t("directoryNone"), hint: t("hintDirectoryNone") };
  const text = t("directoryOffline", [
    formatDate(d.sourceDate, "?", lang),
    d.count.toLocaleString(lang?.startsWith("en") ? "en-US" : "fr-FR"),
  ]);
  if (d.stale) return { key: "stale", level: "warning", text, hint: t("hintDirectoryStale", [String(Math.floor(d.ageDays ?? 0))]) };
  return { key: "offline", level: "ok", text, hint: null };
}
