/**
 * How a recipient appears in the trace: a professional's address as is; a patient's
 * (…@patient.mssante.fr, whose local part is the INS) as "patient:" and an HMAC-SHA-256 of the
 * address under the installation's own key, so that the same patient can be followed in the
 * journal without the INS being written anywhere.
 */
import { PATIENT_DOMAIN } from "../../../shared/domain/ins-matricule.ts";

/** A new random key (32 bytes, base64), made once per installation. */
export function newTraceKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes));
}

export function isPatientAddress(address: string): boolean {
  const at = address.lastIndexOf("@");
  return (
    at > 0 &&
    address
      .slice(at + 1)
      .trim()
      .toLowerCase() === PATIENT_DOMAIN
  );
}

async function hmacHex(keyB64: string, text: string): Promise<string> {
  const raw = Uint8Array.from(atob(keyB64), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The trace's label of each address (lower-cased), patients hashed with `keyB64`. */
export async function recipientLabels(addresses: readonly string[], keyB64: string): Promise<string[]> {
  return Promise.all(
    addresses.map(async (a) => {
      const address = a.trim().toLowerCase();
      return isPatientAddress(address) ? `patient:${(await hmacHex(keyB64, address)).slice(0, 32)}` : address;
    }),
  );
}
