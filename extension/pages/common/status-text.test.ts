import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ClientErrorCode } from "../../background/client-error.ts";
import { initialStatus, type ExtensionStatus } from "../../background/status.ts";
import { NO_CARD, WITH_CARD } from "../../test-support/card-states.ts";
import { createFakeMessenger } from "../../test-support/fake-messenger.ts";
import { bridgeText, cardProblemText, cardText, directoryText } from "./status-text.ts";

const dir = path.dirname(fileURLToPath(import.meta.url));
const fr = JSON.parse(readFileSync(path.join(dir, "../../_locales/fr/messages.json"), "utf8")) as Record<string, { message: string }>;
const en = JSON.parse(readFileSync(path.join(dir, "../../_locales/en/messages.json"), "utf8")) as Record<string, { message: string }>;

const g = globalThis as { messenger?: unknown };
beforeAll(() => {
  g.messenger = createFakeMessenger().messenger; // French, Thunderbird's default for this extension
});
afterAll(() => {
  delete g.messenger;
});

const connected = {
  kind: "connected" as const,
  port: 7431,
  hello: { protocolVersion: 1, bridgeVersion: "1", capabilities: [], demo: false },
};
function withProblem(code: ClientErrorCode | null, over: Partial<ExtensionStatus> = {}): ExtensionStatus {
  return { ...initialStatus(), bridge: connected, card: WITH_CARD, cardProblem: code ? { code } : null, ...over };
}

describe("status text: a card that could not be read", () => {
  it.each([
    ["SEVERAL_CARDS", "several-cards"],
    ["UNKNOWN_CARD", "unknown-card"],
    ["MODULE_UNAVAILABLE", "module-unavailable"],
    ["TIMEOUT", "request-timeout"],
    ["REQUEST_TIMEOUT", "request-timeout"],
  ] as const)("%s: the setup page's own French title and what to do (%s)", (code, key) => {
    const m = key.replace(/-/g, "_");
    const p = cardProblemText(withProblem(code));
    expect(p).toEqual({ code, key, text: fr[`failure_${m}`]!.message, todo: fr[`todo_${m}`]!.message });
    expect(cardText(withProblem(code))).toEqual({ key, text: fr[`failure_${m}`]!.message });
  });

  it("two cards: says which to remove or how to name the reader", () => {
    expect(cardProblemText(withProblem("SEVERAL_CARDS"))!.todo).toContain("--reader NOM");
  });

  it.each(["TOKEN_ERROR", "INTERNAL_ERROR", "UNKNOWN"] as const)(
    "%s, with no text of its own: a generic French text naming the code",
    (code) => {
      const p = cardProblemText(withProblem(code))!;
      expect(p.key).toBe("card-unreadable");
      expect(p.text).toBe(fr.cardReadFailed!.message.replace("$1", code));
      expect(p.todo).toBe(fr.todoCardReadFailed!.message);
      expect(cardText(withProblem(code))).toEqual({ key: "card-unreadable", text: p.text });
    },
  );

  it("the generic text exists in English too, with the code in it", () => {
    expect(en.cardReadFailed!.message).toContain("$1");
    expect(en.todoCardReadFailed!.message.trim()).not.toBe("");
    expect(en.statusCardProblem!.message.trim()).not.toBe("");
  });

  it("no problem: the card is present; no card or no bridge: the problem is not shown", () => {
    expect(cardProblemText(withProblem(null))).toBeNull();
    expect(cardText(withProblem(null)).key).toBe("present");
    expect(cardProblemText(withProblem("SEVERAL_CARDS", { card: NO_CARD }))).toBeNull();
    expect(cardText(withProblem("SEVERAL_CARDS", { card: NO_CARD })).key).toBe("no-card");
    expect(cardProblemText(withProblem("SEVERAL_CARDS", { bridge: { kind: "down", reason: "", retryInMs: 1, attempt: 1 } }))).toBeNull();
  });
});

describe("status text: the directory the autocomplete searches", () => {
  const base = {
    source: "offline" as const,
    sourceDate: "2026-11-23T03:00:00Z",
    builtAt: "2026-11-23T04:00:00Z",
    count: 494435,
    ageDays: 0.5,
    stale: false,
  };
  it("an up-to-date offline index: its extraction date and size, in French, nothing to do", () => {
    const d = directoryText(base, "fr")!;
    expect(d).toMatchObject({ key: "offline", level: "ok", hint: null });
    expect(d.text).toMatch(/^Extraction du 2[234] novembre 2026 (à )?\d{2}:\d{2} \(494\s435 adresses\)$/);
  });
  it("older than a week: a warning that says the daily update fails and what to do", () => {
    const d = directoryText({ ...base, ageDays: 9.7, stale: true }, "fr")!;
    expect(d).toMatchObject({ key: "stale", level: "warning" });
    expect(d.hint).toBe(fr.hintDirectoryStale!.message.replace("$1", "9"));
  });
  it("no directory: a warning with the import command; LDAP: named; unknown: nothing", () => {
    expect(directoryText({ ...base, source: "none", sourceDate: null, builtAt: null, count: 0, ageDays: null }, "fr")).toMatchObject({
      key: "none",
      level: "warning",
      text: fr.directoryNone!.message,
      hint: fr.hintDirectoryNone!.message,
    });
    expect(directoryText({ ...base, source: "ldap" }, "fr")).toMatchObject({ key: "ldap", level: "ok", text: fr.directoryLdap!.message });
    expect(directoryText(null)).toBeNull();
  });
});

describe("status text: bridge and extension of different protocol versions", () => {
  const incompatible = (update: "bridge" | "extension"): ExtensionStatus => ({
    ...initialStatus(),
    bridge: { kind: "incompatible", message: "m", update },
  });

  it("an older bridge: French first, update the bridge (the package) and restart Thunderbird", () => {
    const b = bridgeText(incompatible("bridge"));
    expect(b).toEqual({ key: "incompatible", text: fr.statusIncompatible!.message, hint: fr.hintUpdateBridge!.message });
    expect(b.hint).toMatch(/^Le pont MSSanté est plus ancien que l'extension : mettez à jour le pont MSSanté/);
    expect(en.hintUpdateBridge!.message).toMatch(/^The MSSanté bridge is older than the extension: update the MSSanté bridge/);
  });

  it("an older extension: French first, update the extension and restart Thunderbird", () => {
    const b = bridgeText(incompatible("extension"));
    expect(b.hint).toBe(fr.hintUpdateExtension!.message);
    expect(b.hint).toMatch(/^L'extension MSSanté est plus ancienne que le pont : mettez à jour l'extension/);
    expect(en.hintUpdateExtension!.message).toMatch(/^The MSSanté extension is older than the bridge: update the extension/);
  });
});
