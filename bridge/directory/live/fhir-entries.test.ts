/**
 * FHIR resources → directory entries, on the replayed examples of ANS's documentation
 * (test/fixtures/fhir/, each file naming its source): mailbox detection, types, the red list,
 * PractitionerRole mailboxes with their person and structure, paging links, query matching.
 */
import { describe, expect, it } from "vitest";
import { fhirFixture } from "../../../test/harness/fhir-replay-server.ts";
import { bundleResources, entriesFromResources, mailboxesOf, matchesQuery, nextPageUrl, queryWords } from "./fhir-entries.ts";

const entriesOf = (fixture: string) => entriesFromResources(bundleResources(fhirFixture(fixture)));

describe("FHIR Annuaire Santé resources → entries", () => {
  it("a Practitioner's MSSanté mailbox, in the offline entries' shape, marked live; its ordinary e-mail left out", () => {
    expect(entriesOf("practitioner-chatelier.json")).toEqual([
      {
        email: "davidchatelier@pro.mssante.fr",
        displayName: "David CHATELIER",
        surname: "CHATELIER",
        givenName: "David",
        civility: "M",
        profession: "Pharmacien",
        specialty: null,
        organisation: null,
        service: null,
        city: null,
        postalCode: null,
        type: "PER",
        idNat: "810102727017",
        places: [],
        source: "live",
      },
    ]);
  });

  it("an Organization's ORG mailbox with its place; the phone, fax and contact e-mail are not mailboxes", () => {
    const [e, ...rest] = entriesOf("organization-nancy.json");
    expect(rest).toEqual([]);
    expect(e).toMatchObject({
      email: "exemple.address@address.mssante.fr",
      type: "ORG",
      displayName: "CHRU NANCY - HOPITAUX DE BRABOIS",
      organisation: "CHRU NANCY - HOPITAUX DE BRABOIS",
      city: "VANDOEUVRE LES NANCY CEDEX",
      postalCode: "54511",
      idNat: "1540002698",
      surname: null,
      source: "live",
    });
    expect(e?.places).toEqual([
      { organisation: "CHRU NANCY - HOPITAUX DE BRABOIS", city: "VANDOEUVRE LES NANCY CEDEX", postalCode: "54511" },
    ]);
  });

  it("red-listed mailboxes are left out; a PractitionerRole's mailbox gets its Practitioner and Organization", () => {
    const entries = entriesOf("practitioner-dupont-page2.json");
    expect(entries.map((e) => e.email)).toEqual(["luc.dupont@ch-exemple.mssante.fr"]);
    expect(entries[0]).toMatchObject({
      surname: "DUPONT",
      givenName: "Luc",
      civility: "DR",
      profession: "Médecin",
      organisation: "CENTRE HOSPITALIER EXEMPLE",
      city: "NEVERS",
      postalCode: "58000",
      idNat: "810009990002",
      type: "PER",
    });
    expect(entriesOf("practitioner-dupont-page1.json").map((e) => e.email)).toEqual(["jean-marie.dupont@infirmier.mssante.fr"]);
  });

  it("the metadata's type wins; without metadata an MSSANTE e-mail type is enough; a plain e-mail is not a mailbox", () => {
    const meta = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata";
    const typeExt = (code: string) => ({
      url: meta,
      extension: [
        { url: "type", valueCodeableConcept: { coding: [{ code }] } },
        { url: "service", valueString: "Cardiologie" },
      ],
    });
    const r = {
      telecom: [
        { system: "email", value: "app@x.mssante.fr", extension: [typeExt("APP")] },
        {
          system: "email",
          value: "typed@x.mssante.fr",
          extension: [
            { url: "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type", valueCoding: { code: "MSSANTE" } },
          ],
        },
        { system: "email", value: "plain@x.fr" },
        { system: "phone", value: "0102030405", extension: [typeExt("ORG")] },
        { system: "email", value: "not-an-address", extension: [typeExt("ORG")] },
        "garbage",
      ],
    };
    expect(mailboxesOf(r, "ORG")).toEqual([
      { email: "app@x.mssante.fr", type: "APP", service: "Cardiologie", description: null },
      { email: "typed@x.mssante.fr", type: "ORG", service: null, description: null },
    ]);
  });

  it("malformed answers give no entries rather than an error", () => {
    for (const bad of [
      null,
      42,
      "x",
      { entry: "x" },
      { entry: [null, { resource: 3 }, { resource: { resourceType: "Practitioner", telecom: 5 } }] },
    ]) {
      expect(entriesFromResources(bundleResources(bad))).toEqual([]);
    }
  });

  it("paging: the `next` link of a searchset Bundle, or null", () => {
    expect(nextPageUrl(fhirFixture("practitioner-dupont-page1.json", "http://h/fhir/v2"))).toBe(
      "http://h/fhir/v2?_getpages=dupont&_getpagesoffset=50&_count=50&_bundletype=searchset",
    );
    expect(nextPageUrl(fhirFixture("practitioner-dupont-page2.json"))).toBeNull();
  });

  it("query words: folded, longest first; every word must start a word of the entry", () => {
    expect(queryWords("Jean-Marie  DUPONT")).toEqual(["dupont", "marie", "jean"]);
    const [jm] = entriesOf("practitioner-dupont-page1.json");
    expect(jm && matchesQuery(jm, "dupont jean")).toBe(true);
    expect(jm && matchesQuery(jm, "DUPONT Marie")).toBe(true);
    expect(jm && matchesQuery(jm, "dupont claire")).toBe(false);
    const [org] = entriesOf("organization-nancy.json");
    expect(org && matchesQuery(org, "chru nancy")).toBe(true);
  });
});
