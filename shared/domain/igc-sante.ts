/**
 * IGC-Santé is the only PKI whose card certificates MSSanté servers accept (docs/domain/mssante.md).
 * A card whose certificate was issued outside it will be refused whatever the server answers (it
 * may not even ask for that certificate, so NSS sends none). Names are compared as people write
 * them: case, accents, spaces and punctuation aside.
 */
function flatName(cn: string): string {
  return cn
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "");
}

/**
 * The IGC-Santé CAs that issue cards (CPS, CPE, CPA) and people's certificates: the "PERSONNES"
 * CAs of its three ranges (extension/data/igc-sante-cas/SOURCES.md, "Not shipped"). Names only,
 * to tell who issued a card: they are never trusted for TLS (the extension trusts the server CAs
 * of extension/data/igc-sante-cas/ only; the card's chain is the server's business).
 */
export const IGC_SANTE_CARD_ISSUERS: readonly string[] = [
  "AC IGC-SANTE FORT PERSONNES", // the CPS cards
  "AC IGC-SANTE STANDARD PERSONNES",
  "AC IGC-SANTE ELEMENTAIRE PERSONNES",
];

/**
 * Whether a card's certificate was issued by IGC-Santé: one of its card-issuer CAs, or one of
 * `otherIgcSanteCas`, the IGC-Santé CAs the extension was built with (its server CAs, and a test
 * or demo build's own test CA).
 */
export function issuedByIgcSante(issuerCommonName: string, otherIgcSanteCas: readonly string[] = []): boolean {
  const issuer = flatName(issuerCommonName);
  return [...IGC_SANTE_CARD_ISSUERS, ...otherIgcSanteCas].some((n) => flatName(n) === issuer);
}
