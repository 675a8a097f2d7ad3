import { describe, expect, it } from "vitest";
import { IGC_SANTE_CARD_ISSUERS, issuedByIgcSante } from "./igc-sante.ts";

/** The server CAs shipped in extension/data/igc-sante-cas/, and the test PKI's CA (bridge/demo/pki.ts). */
const SERVER_CAS = ["AC RACINE IGC-SANTE ELEMENTAIRE", "AC IGC-SANTE ELEMENTAIRE ORGANISATIONS"];
const TEST_PKI_CA = "TEST AC IGC-SANTE FORT PERSONNES";

describe("issuedByIgcSante", () => {
  it("recognises a real CPS card's issuer (FORT PERSONNES), which is no server CA, however it is written", () => {
    expect(issuedByIgcSante("AC IGC-SANTE FORT PERSONNES", SERVER_CAS)).toBe(true);
    expect(issuedByIgcSante("AC IGC-SANTE FORT PERSONNES")).toBe(true);
    expect(issuedByIgcSante("ac igc-santé élémentaire personnes", SERVER_CAS)).toBe(true);
    expect(issuedByIgcSante("AC IGC-SANTE STANDARD PERSONNES", [])).toBe(true);
  });
  it("recognises the test PKI's issuer when the build carries that CA, and not otherwise", () => {
    expect(issuedByIgcSante(TEST_PKI_CA, [...SERVER_CAS, TEST_PKI_CA])).toBe(true);
    expect(issuedByIgcSante(TEST_PKI_CA, SERVER_CAS)).toBe(false);
  });
  it("refuses other issuers, including names that merely mention IGC-Santé", () => {
    expect(issuedByIgcSante("Some Commercial CA", SERVER_CAS)).toBe(false);
    expect(issuedByIgcSante("FOREIGN TEST CA (NOT IGC-SANTE)", [...SERVER_CAS, TEST_PKI_CA])).toBe(false);
    expect(issuedByIgcSante("FOREIGN TEST CA (NOT IGC-SANTE)", [])).toBe(false);
  });
  it("lists only the people's CAs, none of the server CAs trusted for TLS", () => {
    expect(IGC_SANTE_CARD_ISSUERS.every((n) => n.endsWith(" PERSONNES"))).toBe(true);
    expect(IGC_SANTE_CARD_ISSUERS.some((n) => SERVER_CAS.includes(n))).toBe(false);
  });
});
