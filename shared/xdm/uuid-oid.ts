/**
 * Unique ids as OIDs without a registered arc: a UUID as an OID under 2.25 (ITU-T X.667 / ISO/IEC
 * 9834-8: `2.25.` and the UUID's 128 bits as a decimal integer), at most 44 characters, within the
 * 64 XDS allows for a uniqueId (IHE ITI TF-3 4.2.3.2.26).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidToOid(uuid: string): string {
  if (!UUID.test(uuid)) throw new RangeError("not a UUID");
  return `2.25.${BigInt(`0x${uuid.replace(/-/g, "")}`).toString(10)}`;
}

/** An OID as XDS and CDA take it: arcs of digits, no leading zero, 64 characters at most. */
export function isOid(value: string): boolean {
  return value.length <= 64 && /^[0-2](\.(0|[1-9]\d*))+$/.test(value);
}
