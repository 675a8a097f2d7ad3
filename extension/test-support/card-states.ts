/** Card states and a card identity as the bridge reports them, shared by the extension's tests. */
export const READER = {
  name: "Virtual PCD 00 00",
  cardPresent: true,
  atr: "3B",
  model: { id: "cps3", name: "CPS3", family: "CPS3" as const, interface: "contact" as const, rsaPss: false },
  unknownCard: false,
};
export const WITH_CARD = { pcscAvailable: true, readers: [READER], boundReader: READER.name, unavailable: null };
export const NO_CARD = {
  pcscAvailable: true,
  readers: [{ ...READER, cardPresent: false, atr: null, model: null }],
  boundReader: READER.name,
  unavailable: { reason: "no-card" as const, message: "Insert the card" },
};
/** The card holder: the fixture every unit test shares. */
export { DUPONT_IDENTITY as IDENTITY } from "../../test/fixtures/identity.ts";
