/**
 * IGC-Santé is the only PKI whose card certificates MSSanté servers accept (docs/domain/mssante.md). The
 * extension ships the IGC-Santé CA certificates as data; a card whose certificate was issued by
 * none of them will be refused whatever the server answers (it may not even ask for that
 * certificate, so NSS sends none). Names are compared as people write them: case, accents,
 * spaces and punctuation aside.
 */
function flatName(cn: string): string {
  return cn
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "");
}

/**
 * true: issued by one of the known CAs; false: by none of them; null: no CA is known (the
 * extension was packaged without the IGC-Santé set), so nothing can be said.
 */
export function issuedByKnownCa(issuerCommonName: string, knownCaCommonNames: readonly string[]): boolean | null {
  if (knownCaCommonNames.length === 0) return null;
  const issuer = flatName(issuerCommonName);
  return knownCaCommonNames.some((n) => flatName(n) === issuer);
}
