/**
 * The headers every message sent from an MSSanté identity carries (pure): `X-MSS-NIL`, the product
 * reference ANS gives when the software is declared on its "Convergence" portal (ECO.2.4.3 /
 * SC.MSS/CONF.16). Until the product is declared the reference is empty and the header is left
 * out: a made-up value would be worse than none.
 */

/** The product reference of this software; empty: not declared to ANS yet. A packager sets it. */
export const MSS_NIL_PRODUCT_REFERENCE = "";

export function mssIdentityHeaders(productReference: string = MSS_NIL_PRODUCT_REFERENCE): Record<string, string> {
  const ref = productReference.trim();
  if (ref === "" || /[\r\n]/.test(productReference)) return {};
  return { "X-MSS-NIL": ref };
}
