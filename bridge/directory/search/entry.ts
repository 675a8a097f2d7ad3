/**
 * The directory's internal record of one mailbox (all lines of one address merged) and its
 * conversion to the protocol's DirectoryEntry (pure).
 */
import type { DirectoryEntry, MailboxType, Place } from "../../../shared/domain/directory-entry.ts";

export interface StoredPlace {
  organisation: string | null;
  city: string | null;
  postalCode: string | null;
  service: string | null;
  /** Street address, for search only. */
  address: string | null;
  department: string | null;
}

export interface StoredEntry {
  email: string;
  type: MailboxType;
  surname: string | null;
  givenName: string | null;
  civility: string | null;
  profession: string | null;
  specialty: string | null;
  idNat: string | null;
  places: StoredPlace[];
}

export const TYPE_ORDER: Record<MailboxType, number> = { PER: 0, ORG: 1, APP: 2, CAB: 3 };

export function isMailboxType(s: string): s is MailboxType {
  return s === "PER" || s === "ORG" || s === "APP" || s === "CAB";
}

/** "Jean Dupont" for a person; the structure (and its service) for the other mailboxes. */
export function displayNameOf(e: StoredEntry, place: StoredPlace | undefined): string {
  const person = [e.givenName, e.surname].filter((x): x is string => !!x).join(" ");
  if (e.type === "PER" && person) return person;
  const org = place?.organisation ?? null;
  const service = place?.service ?? null;
  const structure = [org, service].filter((x): x is string => !!x).join(" — ");
  return structure || person || e.email;
}

/** The protocol shape; `placeIndex` is the first place that matched the query. */
export function toDirectoryEntry(e: StoredEntry, placeIndex = 0): DirectoryEntry {
  const place = e.places[placeIndex] ?? e.places[0];
  const places: Place[] = e.places.map((p) => ({ organisation: p.organisation, city: p.city, postalCode: p.postalCode }));
  return {
    email: e.email,
    displayName: displayNameOf(e, place),
    surname: e.surname,
    givenName: e.givenName,
    civility: e.civility,
    profession: e.profession,
    specialty: e.specialty,
    organisation: place?.organisation ?? null,
    service: place?.service ?? null,
    city: place?.city ?? null,
    postalCode: place?.postalCode ?? null,
    type: e.type,
    idNat: e.idNat,
    places,
  };
}

// ---- compact text encoding of a record (one UTF-8 string per entry in the index file) ----------
const FS = "\x1f"; // between fields
const PS = "\x1d"; // between places
const PF = "\x1e"; // between the fields of a place

const enc = (v: string | null): string => v ?? "";
const dec = (v: string | undefined): string | null => (v ? v : null);

export function encodeEntry(e: StoredEntry): string {
  const places = e.places.map((p) => [p.organisation, p.city, p.postalCode, p.service, p.address, p.department].map(enc).join(PF)).join(PS);
  return [e.email, e.type, e.surname, e.givenName, e.civility, e.profession, e.specialty, e.idNat].map(enc).join(FS) + FS + places;
}

export function decodeEntry(s: string): StoredEntry {
  const f = s.split(FS);
  const type = f[1] ?? "";
  return {
    email: f[0] ?? "",
    type: isMailboxType(type) ? type : "PER",
    surname: dec(f[2]),
    givenName: dec(f[3]),
    civility: dec(f[4]),
    profession: dec(f[5]),
    specialty: dec(f[6]),
    idNat: dec(f[7]),
    places: (f[8] ?? "").split(PS).map((ps) => {
      const p = ps.split(PF);
      return {
        organisation: dec(p[0]),
        city: dec(p[1]),
        postalCode: dec(p[2]),
        service: dec(p[3]),
        address: dec(p[4]),
        department: dec(p[5]),
      };
    }),
  };
}

/** A raw field, trimmed; empty → null. Lines are stripped of control characters beforehand. */
export function cleanField(v: string): string | null {
  const t = v.trim();
  return t ? t : null;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f]/g;
/** Removes control characters (the record encoding's separators among them) from a whole line. */
export function stripControls(line: string): string {
  CONTROL.lastIndex = 0;
  return CONTROL.test(line) ? line.replace(CONTROL, " ") : line;
}
