/** Directory entries for tests, shaped exactly like the protocol's DirectoryEntry. */
import type { DirectoryEntry } from "../../shared/domain/directory-entry.ts";

export function entry(over: Partial<DirectoryEntry> & { email: string }): DirectoryEntry {
  return {
    displayName: over.email,
    surname: null,
    givenName: null,
    civility: null,
    profession: null,
    specialty: null,
    organisation: null,
    service: null,
    city: null,
    postalCode: null,
    type: "PER",
    idNat: null,
    places: [],
    ...over,
  };
}

export const DUPONT = entry({
  email: "jean.dupont@medecin.mssante.fr",
  displayName: "DUPONT Jean",
  surname: "DUPONT",
  givenName: "Jean",
  civility: "DR",
  profession: "Médecin",
  specialty: "Cardiologie",
  organisation: "Cabinet du Parc",
  city: "LYON",
  postalCode: "69003",
  idNat: "810001234567",
  places: [{ organisation: "Cabinet du Parc", city: "LYON", postalCode: "69003" }],
});
