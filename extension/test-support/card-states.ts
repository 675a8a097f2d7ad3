/** Card states and a card identity as the bridge reports them, shared by the extension's tests. */
export const READER = { name: "Virtual PCD 00 00", cardPresent: true, atr: "3B", model: { id: "cps3", name: "CPS3", family: "CPS3" as const, interface: "contact" as const, rsaPss: false }, unknownCard: false };
export const WITH_CARD = { pcscAvailable: true, readers: [READER], boundReader: READER.name, unavailable: null };
export const NO_CARD = { pcscAvailable: true, readers: [{ ...READER, cardPresent: false, atr: null, model: null }], boundReader: READER.name, unavailable: { reason: "no-card" as const, message: "Insert the card" } };
export const IDENTITY = {
  idNat: "810001234567", idType: "RPPS", idNumber: "10001234567", kind: "personal" as const, surname: "DUPONT", givenName: "JEAN", profession: "Médecin", structure: null,
  notBefore: "2025-01-01T00:00:00Z", notAfter: "2028-01-01T00:00:00Z", issuer: "TEST", certificateSerial: "01", certificateSha256: "a1".repeat(32),
};
