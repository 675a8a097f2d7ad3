/**
 * The INS matricule (the NIR, or the NIA of a person waiting for one) and a patient's MSSanté
 * address (pure; both programs run it). Rules (docs/domain/referentiel-2.md, "Patients"; ECO.2.2.6):
 * 15 characters: 13 of the number, then a two-digit key. The number is digits, except `2A` or `2B`
 * in the department position (characters 6 and 7) for people born in Corsica. The key is
 * 97 − (number mod 97), the number read with 2A as 19 and 2B as 18: INSEE's definition of the NIR
 * and its key (INSEE's NIR schema page, xml.insee.fr/schema/nir.html, as python-stdnum's fr/nir
 * cites it; the Assurance Maladie publishes a validator for the NIR and the NIA,
 * assurance-maladie/nir-validation). Those were found through secondary pages, not read in the
 * original here; the rule matches docs/domain/referentiel-2.md.
 *
 * A reason never quotes the value checked: an INS is patient data.
 */

export interface InsReason {
  code: InsReasonCode;
  fr: string;
  en: string;
}

const REASONS = {
  INS_LENGTH: ["l'INS doit compter 15 caractères", "the INS must be 15 characters long"],
  INS_CHARACTERS: [
    "l'INS ne contient que des chiffres (2A ou 2B permis aux positions 6 et 7, Corse)",
    "the INS holds digits only (2A or 2B allowed at positions 6 and 7, Corsica)",
  ],
  INS_KEY: ["la clé de l'INS (deux derniers chiffres) est fausse", "the INS key (its last two digits) is wrong"],
  PATIENT_ADDRESS_FORM: ["une adresse patient s'écrit <INS>@patient.mssante.fr", "a patient address is written <INS>@patient.mssante.fr"],
} as const satisfies Record<string, readonly [string, string]>;

export type InsReasonCode = keyof typeof REASONS;

function reason(code: InsReasonCode): InsReason {
  const [fr, en] = REASONS[code];
  return { code, fr, en };
}

/** The domain of patients' mailboxes (Mon espace santé). */
export const PATIENT_DOMAIN = "patient.mssante.fr";

/** The 13-character number as the key is computed on it: 2A → 19, 2B → 18 in the department position. */
function keyNumber(number13: string): bigint {
  const dept = number13.slice(5, 7);
  const digits =
    dept === "2A"
      ? `${number13.slice(0, 5)}19${number13.slice(7)}`
      : dept === "2B"
        ? `${number13.slice(0, 5)}18${number13.slice(7)}`
        : number13;
  return BigInt(digits);
}

/** The key of a 13-character number (digits, or 2A/2B at positions 6–7): 97 − (number mod 97), from 1 to 97. */
export function insKey(number13: string): number {
  if (!/^\d{5}(?:\d{2}|2A|2B)\d{6}$/.test(number13)) throw new RangeError("not an INS number");
  return 97 - Number(keyNumber(number13) % 97n);
}

/** Checks an INS matricule as written (upper-case 2A/2B accepted in either case; no spaces). */
export function checkInsMatricule(value: string): { ok: true; matricule: string } | { ok: false; reason: InsReason } {
  const v = value.toUpperCase();
  if (v.length !== 15) return { ok: false, reason: reason("INS_LENGTH") };
  if (!/^\d{5}(?:\d{2}|2A|2B)\d{8}$/.test(v)) return { ok: false, reason: reason("INS_CHARACTERS") };
  const key = Number(v.slice(13));
  if (key !== insKey(v.slice(0, 13))) return { ok: false, reason: reason("INS_KEY") };
  return { ok: true, matricule: v };
}

/**
 * A recipient's address, when it is a patient's (`…@patient.mssante.fr`, the domain in any case):
 * null for any other address; otherwise whether its local part is a valid INS matricule.
 */
export function checkPatientAddress(address: string): null | { ok: true } | { ok: false; reason: InsReason } {
  const at = address.lastIndexOf("@");
  if (
    at < 0 ||
    address
      .slice(at + 1)
      .trim()
      .toLowerCase() !== PATIENT_DOMAIN
  )
    return null;
  const local = address.slice(0, at).trim();
  if (local === "" || /[^0-9A-Za-z]/.test(local)) return { ok: false, reason: reason("PATIENT_ADDRESS_FORM") };
  const checked = checkInsMatricule(local);
  return checked.ok ? { ok: true } : { ok: false, reason: checked.reason };
}
