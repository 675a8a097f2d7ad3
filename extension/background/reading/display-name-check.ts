/**
 * Does a message's display name name the person (or mailbox) the directory holds for its address?
 * Pure. "Dr Martin" on Dr Dupont's address is pointed out; "Jean DUPONT", "Dr Dupont", "DUPONT Jean",
 * "Pr J. Dupont" and "jean dupont" are the same person. Accents, case, punctuation, titles and word
 * order do not count; an initial counts for a given name.
 */
import type { DirectoryEntry } from "../../../shared/domain/directory-entry.ts";

/** Titles and civilities that say nothing about who the person is. */
const TITLES = new Set([
  "dr",
  "docteur",
  "doctor",
  "pr",
  "prof",
  "professeur",
  "professor",
  "m",
  "mr",
  "mme",
  "mlle",
  "monsieur",
  "madame",
  "mademoiselle",
  "me",
  "maitre",
]);

/** Lower case, no accents, letters and digits only: the words of a name. */
export function nameWords(text: string | null | undefined): string[] {
  if (!text) return [];
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

export type NameCheck =
  /** The display name names this entry. */
  | "same"
  /** It names someone else (at least one word that is not the entry's). */
  | "different"
  /** Nothing to compare: no display name, only the address or only titles. */
  | "nothing-claimed";

/**
 * Compares a display name with the directory's entry for the address. A person (surname known)
 * matches when every word of the display name (titles left out) is one of the entry's name words,
 * or the initial of one of its given names, and at least one surname word is there. A mailbox
 * without surname (an organisation) matches when every word is in its display name or organisation.
 */
export function displayNameCheck(
  displayName: string | null | undefined,
  address: string,
  entry: Pick<DirectoryEntry, "displayName" | "surname" | "givenName" | "organisation" | "service">,
): NameCheck {
  const raw = (displayName ?? "").trim().replace(/^["']|["']$/g, "");
  if (!raw || raw.toLowerCase() === address.toLowerCase() || raw.includes("@")) return "nothing-claimed";
  const words = nameWords(raw).filter((w) => !TITLES.has(w));
  if (words.length === 0) return "nothing-claimed";
  const surname = new Set(nameWords(entry.surname));
  if (surname.size > 0) {
    const given = nameWords(entry.givenName);
    const known = new Set([...surname, ...given]);
    const initials = new Set(given.map((g) => g[0]));
    const allKnown = words.every((w) => known.has(w) || (w.length === 1 && initials.has(w)));
    return allKnown && words.some((w) => surname.has(w)) ? "same" : "different";
  }
  const known = new Set([...nameWords(entry.displayName), ...nameWords(entry.organisation), ...nameWords(entry.service)]);
  return words.every((w) => known.has(w)) ? "same" : "different";
}
