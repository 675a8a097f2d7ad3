import { describe, expect, it } from "vitest";
import { IDENTITY } from "../../extension/test-support/card-states.ts";
import { personalDisplayName, senderDisplayName, titleForProfession } from "./sender-display-name.ts";

const ORG = { type: "ORG" as const, displayName: "Secrétariat de cardiologie", service: "Cardiologie", organisation: "CHU TEST" };

describe("sender display name (ECO.2.2.7)", () => {
  it("writes <Titre>_<Prénom>_<NOM>_<Entité> for the card holder, parts left out when unknown", () => {
    expect(personalDisplayName(IDENTITY)).toBe("Dr_Jean_DUPONT");
    expect(personalDisplayName({ ...IDENTITY, structure: "CABINET DU PARC" })).toBe("Dr_Jean_DUPONT_CABINET DU PARC");
    expect(personalDisplayName({ ...IDENTITY, givenName: "JEAN-MARIE", surname: "le goff", profession: "Infirmier" })).toBe(
      "Jean-Marie_LE GOFF",
    );
    expect(personalDisplayName({ ...IDENTITY, givenName: null, surname: "  Dupont ", profession: null })).toBe("DUPONT");
    expect(personalDisplayName({ ...IDENTITY, givenName: null, surname: null, profession: null, structure: "CHU TEST" })).toBe("CHU TEST");
    expect(personalDisplayName({ ...IDENTITY, givenName: null, surname: null, profession: null })).toBe(IDENTITY.idNat);
  });

  it("gives the title Dr to médecins, chirurgiens-dentistes and pharmaciens only, by label or code", () => {
    for (const p of ["Médecin", "MEDECIN", "Chirurgien-dentiste", "Pharmacien", "10", "21", "40"]) expect(titleForProfession(p)).toBe("Dr");
    for (const p of ["Sage-femme", "Infirmier", "Masseur-kinésithérapeute", "60", "", null]) expect(titleForProfession(p)).toBeNull();
  });

  it("uses the service label for an organisation's mailbox, the holder's name for a personal or unknown one", () => {
    expect(senderDisplayName(IDENTITY, ORG)).toBe("Secrétariat de cardiologie");
    expect(senderDisplayName(IDENTITY, { ...ORG, displayName: " " })).toBe("Cardiologie - CHU TEST");
    expect(senderDisplayName(IDENTITY, { ...ORG, type: "PER" })).toBe("Dr_Jean_DUPONT");
    expect(senderDisplayName(IDENTITY, null)).toBe("Dr_Jean_DUPONT");
  });
});
