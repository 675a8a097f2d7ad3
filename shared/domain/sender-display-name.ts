/**
 * The sender display name the state's rules ask for (ECO.2.2.7): `<Titre>_<Prénom>_<NOM>_<Entité>`
 * for a personal (PER) mailbox, the service label for an organisation's one (ORG, and APP/CAB
 * mailboxes, which are not a person's either). Parts are joined by underscores exactly as the rule
 * writes them; an unknown part is left out, never written empty ("Jean_DUPONT" without a title).
 */
import type { CardIdentityMessage } from "./identity.ts";
import type { DirectoryEntry } from "./directory-entry.ts";
import { titleCase } from "./title-case.ts";

type CardHolder = Pick<CardIdentityMessage, "givenName" | "surname" | "profession" | "structure" | "idNat">;
type Mailbox = Pick<DirectoryEntry, "type" | "displayName" | "service" | "organisation">;

/**
 * The professions whose holders bear the title of doctor: those whose practice requires a State
 * diploma of doctor (Code de la santé publique: médecin L.4131-1, chirurgien-dentiste L.4141-3,
 * pharmacien L.4221-1). The card's `title` carries the profession's label ("Médecin") or, on some
 * cards, its code in the ANS nomenclature TRE_G15-ProfessionSante (10 médecin, 21 pharmacien,
 * 40 chirurgien-dentiste). Every other profession (sage-femme, infirmier, kinésithérapeute…): no title.
 */
const DOCTOR_PROFESSIONS = ["medecin", "chirurgien-dentiste", "chirurgien dentiste", "pharmacien"];
const DOCTOR_PROFESSION_CODES = new Set(["10", "21", "40"]);

/** "Dr" for the professions above, else null. */
export function titleForProfession(profession: string | null): string | null {
  const p = (profession ?? "").normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().trim();
  if (!p) return null;
  if (DOCTOR_PROFESSION_CODES.has(p)) return "Dr";
  return DOCTOR_PROFESSIONS.some((d) => p === d || p.startsWith(`${d} `) || p.startsWith(`${d}(`)) ? "Dr" : null;
}

function clean(s: string | null | undefined): string {
  return (s ?? "").replace(/\s+/g, " ").trim();
}

/** `<Titre>_<Prénom>_<NOM>_<Entité>` from the card: "Dr_Jean_DUPONT", "Jean-Marie_LE GOFF_CHU TEST". */
export function personalDisplayName(id: CardHolder): string {
  const given = clean(id.givenName);
  const parts = [
    titleForProfession(id.profession),
    given ? titleCase(given) : null,
    clean(id.surname).toLocaleUpperCase("fr") || null,
    clean(id.structure) || null,
  ].filter((x): x is string => !!x);
  // A card without a name (never seen on a CPS): the structure, else the identifier, rather than nothing.
  return parts.length ? parts.join("_") : id.idNat;
}

/** The service label of an organisation's mailbox: the directory's display name, else service and organisation. */
function serviceLabel(m: Mailbox): string | null {
  return clean(m.displayName) || [clean(m.service), clean(m.organisation)].filter(Boolean).join(" - ") || null;
}

/**
 * The display name of the identity sending from `mailbox` (the directory's entry for the chosen
 * address; null when the address was typed by hand and is not in the directory: then a personal
 * card's holder is taken to send from a personal mailbox).
 */
export function senderDisplayName(id: CardHolder, mailbox: Mailbox | null): string {
  if (mailbox && mailbox.type !== "PER") return serviceLabel(mailbox) ?? personalDisplayName(id);
  return personalDisplayName(id);
}
