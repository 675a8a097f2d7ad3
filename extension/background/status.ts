/**
 * What the extension knows about the bridge, the reader, the card and the PIN, as one snapshot
 * (pure). The background keeps it current, mirrors it in storage.local "mss.status" (no secret in
 * it) and sends it to open pages as {kind: "status", status}.
 */
import type { BridgeState } from "./bridge-client.ts";
import type { ClientErrorCode } from "./client-error.ts";
import type { CardLayerState } from "../../shared/domain/card.ts";
import type { CardIdentityMessage, PinStatus } from "../../shared/domain/identity.ts";

export const STATUS_KEY = "mss.status";

export interface ExtensionStatus {
  bridge: BridgeState;
  card: CardLayerState | null;
  identity: Pick<
    CardIdentityMessage,
    "surname" | "givenName" | "profession" | "idNat" | "idType" | "idNumber" | "kind" | "structure" | "notAfter"
  > | null;
  pin: PinStatus | null;
  /**
   * Reading the card in the reader failed (identity or PIN state): the bridge's error code only
   * (pages say it in the user's language from the code). Cleared when a later read works or the
   * card goes.
   */
  cardProblem: CardProblem | null;
  /** Mail checks of the provisioned MSSanté accounts are paused (card out). */
  checksPaused: boolean;
  /** The bridge withdrew this installation's pairing: only the user pairs again (setup page). */
  pairingRevoked: boolean;
  updatedAt: string;
}

export interface CardProblem {
  code: ClientErrorCode;
}

export function initialStatus(): ExtensionStatus {
  return {
    bridge: { kind: "idle" },
    card: null,
    identity: null,
    pin: null,
    cardProblem: null,
    checksPaused: false,
    pairingRevoked: false,
    updatedAt: new Date().toISOString(),
  };
}

/** A known card is in the reader the token is bound to (or in any reader when none is bound). */
export function cardPresent(card: CardLayerState | null): boolean {
  if (!card?.pcscAvailable) return false;
  const readers = card.boundReader ? card.readers.filter((r) => r.name === card.boundReader) : card.readers;
  return readers.some((r) => r.cardPresent && !r.unknownCard);
}

export type BadgeLevel = "off" | "warning" | "error" | "ok" | "idle";

export interface Badge {
  text: string;
  color: string;
  /** Message name in _locales for the button's tooltip. */
  titleKey: string;
  icon: "mss-off" | "mss-nocard" | "mss-ok" | "mss-warn" | "mss-error";
  level: BadgeLevel;
}

const GREY = "#6b7280";
const ORANGE = "#d97706";
const RED = "#b91c1c";
const GREEN = "#15803d";

/** The toolbar button for a status: bridge connected, card present, PIN state. */
export function badgeFor(s: ExtensionStatus): Badge {
  switch (s.bridge.kind) {
    case "idle":
    case "connecting":
      return { text: "…", color: GREY, titleKey: "statusConnecting", icon: "mss-off", level: "idle" };
    case "down":
      return { text: "OFF", color: GREY, titleKey: "statusBridgeDown", icon: "mss-off", level: "off" };
    case "unpaired":
      return {
        text: "?",
        color: ORANGE,
        titleKey: s.pairingRevoked ? "statusPairingRevoked" : "statusUnpaired",
        icon: "mss-warn",
        level: "warning",
      };
    case "not-the-bridge":
      return { text: "!", color: RED, titleKey: "statusNotTheBridge", icon: "mss-error", level: "error" };
    case "incompatible":
      return { text: "!", color: RED, titleKey: "statusIncompatible", icon: "mss-error", level: "error" };
    case "connected":
      break;
  }
  if (!cardPresent(s.card)) return { text: "", color: GREY, titleKey: "statusNoCard", icon: "mss-nocard", level: "idle" };
  const pin = pinBadge(s.pin);
  // The card could not be read: not green. A PIN state read all the same and not ok says more.
  if (s.cardProblem && pin.level === "ok")
    return { text: "!", color: ORANGE, titleKey: "statusCardProblem", icon: "mss-warn", level: "warning" };
  return pin;
}

function pinBadge(pin: PinStatus | null): Badge {
  switch (pin?.state) {
    case "locked":
      return { text: "PIN", color: RED, titleKey: "statusPinLocked", icon: "mss-error", level: "error" };
    case "final-try":
      return { text: "PIN", color: RED, titleKey: "statusPinFinalTry", icon: "mss-warn", level: "warning" };
    case "count-low":
      return { text: "PIN", color: ORANGE, titleKey: "statusPinCountLow", icon: "mss-warn", level: "warning" };
    case "to-be-changed":
    case "not-initialized":
      return { text: "PIN", color: ORANGE, titleKey: "statusPinToChange", icon: "mss-warn", level: "warning" };
    default:
      return { text: "", color: GREEN, titleKey: "statusCardOk", icon: "mss-ok", level: "ok" };
  }
}
