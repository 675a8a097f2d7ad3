import { describe, expect, it } from "vitest";
import { badgeFor, cardPresent, initialStatus, type ExtensionStatus } from "./status.ts";

const reader = (over: Partial<{ name: string; cardPresent: boolean; unknownCard: boolean }> = {}) => ({
  name: "Reader 0",
  cardPresent: true,
  atr: "3B",
  model: { id: "cps3", name: "CPS3", family: "CPS3" as const, interface: "contact" as const, rsaPss: false },
  unknownCard: false,
  ...over,
});
const connected = {
  kind: "connected" as const,
  port: 7431,
  hello: { protocolVersion: 1, bridgeVersion: "1", capabilities: [], demo: false },
};

function status(over: Partial<ExtensionStatus>): ExtensionStatus {
  return {
    ...initialStatus(),
    bridge: connected,
    card: { pcscAvailable: true, readers: [reader()], boundReader: "Reader 0", unavailable: null },
    pin: { state: "ok", pinPad: false },
    ...over,
  };
}

describe("status", () => {
  it("sees a card only in the bound reader and only when known", () => {
    expect(cardPresent({ pcscAvailable: true, readers: [reader({ name: "Other" })], boundReader: "Reader 0", unavailable: null })).toBe(
      false,
    );
    expect(cardPresent({ pcscAvailable: true, readers: [reader({ unknownCard: true })], boundReader: null, unavailable: null })).toBe(
      false,
    );
    expect(cardPresent({ pcscAvailable: false, readers: [reader()], boundReader: null, unavailable: null })).toBe(false);
    expect(cardPresent(null)).toBe(false);
  });

  it("shows bridge, card and PIN state on the toolbar button", () => {
    expect(badgeFor(status({ bridge: { kind: "down", reason: "", retryInMs: 1, attempt: 1 } }))).toMatchObject({
      text: "OFF",
      titleKey: "statusBridgeDown",
    });
    expect(badgeFor(status({ bridge: { kind: "unpaired", port: 1, bridgeReachable: true, retryInMs: 1 } }))).toMatchObject({
      text: "?",
      titleKey: "statusUnpaired",
    });
    expect(badgeFor(status({ bridge: { kind: "not-the-bridge", port: 1, retryInMs: 1 } }))).toMatchObject({
      level: "error",
      titleKey: "statusNotTheBridge",
    });
    expect(
      badgeFor(status({ card: { pcscAvailable: true, readers: [reader({ cardPresent: false })], boundReader: null, unavailable: null } })),
    ).toMatchObject({ icon: "mss-nocard" });
    expect(badgeFor(status({}))).toMatchObject({ level: "ok", icon: "mss-ok", text: "" });
    expect(badgeFor(status({ pin: { state: "count-low", pinPad: false } }))).toMatchObject({ text: "PIN", level: "warning" });
    expect(badgeFor(status({ pin: { state: "final-try", pinPad: false } }))).toMatchObject({ text: "PIN", titleKey: "statusPinFinalTry" });
    expect(badgeFor(status({ pin: { state: "locked", pinPad: false } }))).toMatchObject({ level: "error", titleKey: "statusPinLocked" });
  });

  it("a card that could not be read is a warning on the button, not green; a blocked PIN stays an error", () => {
    const problem = { cardProblem: { code: "SEVERAL_CARDS" as const }, pin: null };
    expect(badgeFor(status(problem))).toEqual({
      text: "!",
      color: "#d97706",
      titleKey: "statusCardProblem",
      icon: "mss-warn",
      level: "warning",
    });
    expect(badgeFor(status({ cardProblem: { code: "TIMEOUT" }, pin: { state: "locked", pinPad: false } }))).toMatchObject({
      level: "error",
      titleKey: "statusPinLocked",
    });
    // Only the card in the reader has problems: none shown without a card or a bridge.
    expect(
      badgeFor(
        status({
          ...problem,
          card: { pcscAvailable: true, readers: [reader({ cardPresent: false })], boundReader: null, unavailable: null },
        }),
      ),
    ).toMatchObject({ titleKey: "statusNoCard" });
    expect(badgeFor(status({ ...problem, bridge: { kind: "down", reason: "", retryInMs: 1, attempt: 1 } }))).toMatchObject({
      titleKey: "statusBridgeDown",
    });
  });
});
