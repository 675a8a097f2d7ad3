import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { MethodName, Params, Result } from "../../shared/protocol/schemas.ts";
import { createFakeMessenger } from "../test-support/fake-messenger.ts";
import { DUPONT, entry } from "../test-support/entries.ts";
import { readVCard } from "../test-support/vcard-reader.ts";
import {
  ADDRESS_BOOK_NAME,
  createSearchListener,
  displayNameOf,
  entryToContact,
  PROVIDER_LIMIT,
  registerAddressBook,
  toProviderResult,
  type MessageFn,
} from "./addressbook-provider.ts";
import type { BridgeCaller } from "./bridge-caller.ts";
import type { SearchRequestReturn } from "./messenger-types.ts";

function fakeBridge(
  answer: (q: string, limit: number) => Result<"directory.search"> | Promise<Result<"directory.search">>,
  connected = true,
) {
  const queries: { query: string; limit: number | undefined }[] = [];
  const b: BridgeCaller = {
    get connected() {
      return connected;
    },
    async call<M extends MethodName>(method: M, params: Params<M>, timeoutMs?: number): Promise<Result<M>> {
      if (method !== "directory.search") throw new Error("unexpected");
      const p = params as Params<"directory.search">;
      queries.push({ query: p.query, limit: p.limit });
      // Like the real client: a request not answered within timeoutMs fails.
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("REQUEST_TIMEOUT")), timeoutMs ?? 10_000));
      return (await Promise.race([answer(p.query, p.limit ?? 20), timeout])) as Result<M>;
    },
  };
  return { b, queries };
}

/** getMessage over one of the extension's locales, as Thunderbird does it ($1… substituted). */
function locale(lang: "fr" | "en"): MessageFn {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "_locales", lang, "messages.json");
  const messages = JSON.parse(readFileSync(file, "utf8")) as Record<string, { message: string }>;
  return (name, subs) => {
    const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
    return (messages[name]?.message ?? "").replace(/\$(\d)/g, (_m, d: string) => list[Number(d) - 1] ?? "");
  };
}
const fr = locale("fr");
const en = locale("en");

const LEFEVRE = entry({
  email: "m.lefevre-durand@chu-lyon.mssante.fr",
  surname: "LEFÈVRE-DURAND",
  givenName: "Marie",
  civility: "PR",
  specialty: "Néphrologie",
  city: "LYON",
});
const ORG = entry({
  email: "secretariat.cardio@chu-lyon.mssante.fr",
  type: "ORG",
  displayName: "CHU de Lyon — Cardiologie",
  organisation: "CHU de Lyon",
  service: "Cardiologie",
  city: "LYON",
});

describe("directory entries as contacts", () => {
  it("names a person like 'Dr Jean Dupont — Cardiologie, Lyon' and fills the card's fields", () => {
    expect(displayNameOf(DUPONT)).toBe("Dr Jean Dupont — Cardiologie, Lyon");
    expect(displayNameOf(LEFEVRE)).toBe("Pr Marie Lefèvre-Durand — Néphrologie, Lyon");
    const c = entryToContact(DUPONT, fr);
    expect(c).toMatchObject({
      PrimaryEmail: "jean.dupont@medecin.mssante.fr",
      FirstName: "Jean",
      LastName: "DUPONT",
      Company: "Cabinet du Parc",
      WorkCity: "LYON",
      WorkZipCode: "69003",
    });
    expect(c.Notes).toContain("Spécialité : Cardiologie");
    expect(c.Notes).toContain("Profession : Médecin");
  });

  it("writes the contact's notes in the user's language: French by default, English too", () => {
    const twoPlaces = {
      ...DUPONT,
      places: [...DUPONT.places, { organisation: "Clinique du Val", city: "VILLEURBANNE", postalCode: "69100" }],
    };
    expect(entryToContact(twoPlaces, fr).Notes).toBe(
      [
        "Profession : Médecin",
        "Spécialité : Cardiologie",
        "Identifiant national : 810001234567",
        "Lieux : Cabinet du Parc, LYON ; Clinique du Val, VILLEURBANNE",
        "Boîte PER — Annuaire MSSanté",
      ].join("\n"),
    );
    expect(entryToContact(twoPlaces, en).Notes).toBe(
      [
        "Profession: Médecin",
        "Specialty: Cardiologie",
        "National identifier: 810001234567",
        "Places: Cabinet du Parc, LYON; Clinique du Val, VILLEURBANNE",
        "PER mailbox — MSSanté directory",
      ].join("\n"),
    );
  });

  it("takes the notes' language from Thunderbird's i18n in the book itself", async () => {
    const { messenger, fake } = createFakeMessenger();
    const { b } = fakeBridge(() => ({ results: [DUPONT], matchedOtherFields: false, fuzzy: false }));
    let asked = 0;
    const i18n: MessageFn = (name, subs) => {
      asked++;
      return en(name, subs);
    };
    registerAddressBook(messenger, createSearchListener(b, i18n));
    const listener = fake.events.onSearchRequest.entries[0]!.fn;
    const r = await listener({} as never, "dupont", null);
    expect(asked).toBeGreaterThan(0);
    expect(readVCard((r as SearchRequestReturn).results[0]!.vCard!).Notes).toContain("Specialty: Cardiologie");
  });

  it("softens names written in capitals, keeps names already written in mixed case", () => {
    expect(
      displayNameOf({ ...DUPONT, givenName: "HÉLÈNE", surname: "LEFÈVRE-MOREAU", specialty: null, profession: null, city: null }),
    ).toBe("Dr Hélène Lefèvre-Moreau");
    expect(
      displayNameOf({ ...DUPONT, givenName: "Anne-Sophie", surname: "de la Tour", specialty: null, profession: null, city: null }),
    ).toBe("Dr Anne-Sophie de la Tour");
  });

  it("returns a flat property map per contact, as Thunderbird reads it", () => {
    const c = entryToContact(DUPONT, fr) as Record<string, unknown>;
    for (const v of Object.values(c)) expect(typeof v).toBe("string");
  });

  it("names an organisation mailbox by the organisation and service", () => {
    expect(displayNameOf(ORG)).toBe("CHU de Lyon — Cardiologie, Lyon");
    expect(displayNameOf(entry({ email: "x@y.fr", type: "APP", displayName: "Logiciel LABO" }))).toBe("Logiciel LABO");
  });
});

describe("toProviderResult", () => {
  it("keeps the bridge's ranking and one contact per address", () => {
    const r = toProviderResult({ results: [LEFEVRE, DUPONT, ORG, { ...DUPONT }], matchedOtherFields: false, fuzzy: false }, fr);
    expect(r.results.map((c) => readVCard(c.vCard!).PrimaryEmail)).toEqual([LEFEVRE.email, DUPONT.email, ORG.email]);
  });

  it("gives each contact as its vCard, which holds the whole contact", () => {
    const r = toProviderResult({ results: [LEFEVRE], matchedOtherFields: false, fuzzy: false }, fr);
    expect(Object.keys(r.results[0]!)).toEqual(["vCard"]);
    expect(readVCard(r.results[0]!.vCard!)).toEqual(entryToContact(LEFEVRE, fr));
  });

  it("is never complete: not when other fields matched, the typo pass was used or the list was cut, nor on names alone", () => {
    expect(toProviderResult({ results: [DUPONT], matchedOtherFields: true, fuzzy: false }, fr).isCompleteResult).toBe(false);
    expect(toProviderResult({ results: [DUPONT], matchedOtherFields: false, fuzzy: true }, fr).isCompleteResult).toBe(false);
    expect(toProviderResult({ results: [DUPONT, LEFEVRE], matchedOtherFields: false, fuzzy: false }, fr).isCompleteResult).toBe(false);
    // Names only, a short list: still not complete (Thunderbird's own filter does not fold accents).
    expect(toProviderResult({ results: [LEFEVRE], matchedOtherFields: false, fuzzy: false }, fr).isCompleteResult).toBe(false);
    expect(toProviderResult({ results: [], matchedOtherFields: false, fuzzy: false }, fr).isCompleteResult).toBe(false);
  });
});

describe("the Annuaire MSSanté book in autocomplete", () => {
  it("registers a secure, named book and returns the bridge's results in order", async () => {
    const { messenger, fake } = createFakeMessenger();
    const { b, queries } = fakeBridge(() => ({ results: [DUPONT, LEFEVRE], matchedOtherFields: true, fuzzy: false }));
    registerAddressBook(messenger, createSearchListener(b, messenger.i18n.getMessage));
    expect(fake.providerOptions()).toEqual({ addressBookName: ADDRESS_BOOK_NAME, isSecure: true, id: "mssante-annuaire" });
    const r = await fake.autocomplete("dupont cardio");
    expect(queries).toEqual([{ query: "dupont cardio", limit: PROVIDER_LIMIT }]);
    expect(r.lines).toEqual([
      "Dr Jean Dupont — Cardiologie, Lyon <jean.dupont@medecin.mssante.fr>",
      "Pr Marie Lefèvre-Durand — Néphrologie, Lyon <m.lefevre-durand@chu-lyon.mssante.fr>",
    ]);
    expect(r.isCompleteResult).toBe(false);
  });

  it("asks the bridge again at every keystroke, so 'helene l' still finds Hélène LEFÈVRE (h.lefevre@…)", async () => {
    // Thunderbird, told a result is complete, would filter 'helene l' itself by plain substring on
    // "Hélène Lefèvre", "Hélène", "LEFÈVRE" and h.lefevre@…: no 'helene' in any of them.
    const HELENE = entry({ email: "h.lefevre@chu-lyon.mssante.fr", surname: "LEFÈVRE", givenName: "Hélène", specialty: null, city: null });
    const { messenger, fake } = createFakeMessenger();
    const { b, queries } = fakeBridge(() => ({ results: [HELENE], matchedOtherFields: false, fuzzy: false }));
    registerAddressBook(messenger, createSearchListener(b, messenger.i18n.getMessage));
    const first = await fake.autocomplete("helene");
    expect(first.isCompleteResult).toBe(false);
    const second = await fake.autocomplete("helene l");
    expect(queries.map((q) => q.query)).toEqual(["helene", "helene l"]);
    expect(second.lines).toEqual(["Hélène Lefèvre <h.lefevre@chu-lyon.mssante.fr>"]);
  });

  it("passes a typed RPPS or idNat to the bridge as typed, and keeps asking as more digits come", async () => {
    // The bridge finds the person by identifier (matchedOtherFields): an RPPS is in no name or
    // e-mail, so a "complete" answer would let Thunderbird's own filter drop them at the next digit.
    const { messenger, fake } = createFakeMessenger();
    const { b, queries } = fakeBridge(() => ({ results: [DUPONT], matchedOtherFields: true, fuzzy: false }));
    registerAddressBook(messenger, createSearchListener(b, messenger.i18n.getMessage));
    const r = await fake.autocomplete("1000123456");
    const r2 = await fake.autocomplete("10001234567");
    const r3 = await fake.autocomplete(" 810001234567 ");
    expect(queries.map((q) => q.query)).toEqual(["1000123456", "10001234567", "810001234567"]);
    for (const x of [r, r2, r3])
      expect(x).toMatchObject({ lines: [expect.stringContaining(`<${DUPONT.email}>`)], isCompleteResult: false });
  });

  it("answers empty and incomplete at once when the bridge is down", async () => {
    const { messenger, fake } = createFakeMessenger();
    const { b, queries } = fakeBridge(() => ({ results: [DUPONT], matchedOtherFields: false, fuzzy: false }), false);
    registerAddressBook(messenger, createSearchListener(b, messenger.i18n.getMessage));
    const t0 = Date.now();
    expect(await fake.autocomplete("dup")).toMatchObject({ lines: [], isCompleteResult: false });
    expect(Date.now() - t0).toBeLessThan(50);
    expect(queries).toEqual([]);
  });

  it("gives up after its short timeout when the bridge does not answer", async () => {
    const { messenger, fake } = createFakeMessenger();
    const { b } = fakeBridge(() => new Promise(() => undefined)); // never answers
    registerAddressBook(messenger, createSearchListener(b, messenger.i18n.getMessage, { timeoutMs: 60 }));
    const t0 = Date.now();
    expect(await fake.autocomplete("dup")).toMatchObject({ lines: [], isCompleteResult: false });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("does not query for an empty string", async () => {
    const { messenger, fake } = createFakeMessenger();
    const { b, queries } = fakeBridge(() => ({ results: [DUPONT], matchedOtherFields: false, fuzzy: false }));
    registerAddressBook(messenger, createSearchListener(b, messenger.i18n.getMessage));
    expect((await fake.autocomplete("  ")).lines).toEqual([]);
    expect(queries).toEqual([]);
  });
});

describe("the live complement (directory.searchLive)", () => {
  /** A bridge whose offline directory finds nothing; searchLive answers `live`. */
  function offlineMiss(live: Result<"directory.searchLive">) {
    const calls: string[] = [];
    const b: BridgeCaller = {
      connected: true,
      async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
        calls.push(`${method} ${(params as { query: string }).query}`);
        if (method === "directory.search") return { results: [], matchedOtherFields: false, fuzzy: false } as Result<M>;
        if (method === "directory.searchLive") return live as Result<M>;
        throw new Error("unexpected");
      },
    };
    return { b, calls };
  }

  it("after an empty offline answer for 4+ characters: asks searchLive and shows its entries, noted as live", async () => {
    const { b, calls } = offlineMiss({ results: [{ ...DUPONT, source: "live" }], state: "ok", retryAfterMs: null });
    const r = await createSearchListener(b, en)(undefined as never, "dupont", null);
    expect(calls).toEqual(["directory.search dupont", "directory.searchLive dupont"]);
    const contacts = r.results.map((c) => readVCard(c.vCard!));
    expect(contacts.map((c) => c.PrimaryEmail)).toEqual([DUPONT.email]);
    expect(contacts[0]?.Notes).toContain("live directory");
  });

  it("short queries and offline hits never ask it; an older bridge's refusal gives an empty answer", async () => {
    const short = offlineMiss({ results: [], state: "too-short", retryAfterMs: null });
    expect((await createSearchListener(short.b, en)(undefined as never, "dup", null)).results).toEqual([]);
    expect(short.calls).toEqual(["directory.search dup"]);
    const { b, queries } = fakeBridge(() => ({ results: [DUPONT], matchedOtherFields: false, fuzzy: false }));
    expect((await createSearchListener(b, en)(undefined as never, "dupont", null)).results).toHaveLength(1);
    expect(queries).toHaveLength(1);
    const old = fakeBridge(() => ({ results: [], matchedOtherFields: false, fuzzy: false })); // throws on searchLive
    expect((await createSearchListener(old.b, en)(undefined as never, "dupont", null)).results).toEqual([]);
  });
});
