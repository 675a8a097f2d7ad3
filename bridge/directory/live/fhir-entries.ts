/**
 * FHIR Annuaire Santé resources → directory entries (pure). The API is read-only open data, but its
 * answer is network input: every field is read defensively, and anything malformed is skipped.
 *
 * Where the mailboxes are (ANS, "API FHIR Annuaire Santé" v2, use case "Extraction des BAL
 * MSSanté"; IG "Annuaire Santé", profile as-mailbox-mss):
 * - `Practitioner.telecom`: personal (PER) and practice (CAB) mailboxes tied to the RPPS alone;
 * - `PractitionerRole.telecom`: PER/CAB mailboxes tied to the RPPS and a structure;
 * - `Organization.telecom`: organisational (ORG) and applicative (APP) mailboxes — next to the
 *   structure's ordinary contact addresses, which are not MSSanté mailboxes.
 * A telecom entry is an MSSanté mailbox when it is an e-mail carrying the `as-ext-mailbox-mss-metadata`
 * extension or the FR Core e-mail type `MSSANTE`. The metadata's `type` (TRE-R257-TypeBAL: PER, ORG,
 * APP, CAB) gives the mailbox type and `listeRouge: true` marks a mailbox its holder asked not to
 * publish: such entries are left out, as the national extraction leaves them out.
 */
import type { DirectoryEntry, MailboxType } from "../../../shared/domain/directory-entry.ts";
import { foldText } from "../search/normalize.ts";

export const MAILBOX_METADATA_URL = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata";
export const EMAIL_TYPE_URL = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type";
/** The national identifier of a professional (IDNPS: 8 + RPPS, 0 + ADELI). */
const IDNPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1";
/** The national identifier of a structure (IDNST). */
const IDNST_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2";
const PROFESSION_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante";

/** TRE-G15 profession codes → the labels of the national extraction (the API gives codes only). */
const PROFESSIONS: Record<string, string> = {
  "10": "Médecin",
  "21": "Pharmacien",
  "40": "Chirurgien-Dentiste",
  "50": "Sage-Femme",
  "60": "Infirmier",
  "70": "Masseur-Kinésithérapeute",
  "80": "Pédicure-Podologue",
};

const MAILBOX_TYPES = new Set<MailboxType>(["PER", "ORG", "APP", "CAB"]);

type Json = Record<string, unknown>;

function obj(v: unknown): Json | null {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : null;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() ? v.trim() : null;
}
/** The objects of an array, anything else left out. */
function objs(v: unknown): Json[] {
  const out: Json[] = [];
  for (const x of arr(v)) {
    const o = obj(x);
    if (o) out.push(o);
  }
  return out;
}
function codings(v: unknown): Json[] {
  return objs(obj(v)?.coding);
}
function extensions(v: unknown, url: string): Json[] {
  return arr(obj(v)?.extension).flatMap((e) => {
    const x = obj(e);
    return x && x.url === url ? [x] : [];
  });
}

export interface Mailbox {
  email: string;
  type: MailboxType;
  service: string | null;
  description: string | null;
}

/**
 * The MSSanté mailboxes of one resource's `telecom`, red-listed ones left out. `fallbackType` is
 * the type when the metadata gives none (PER for a person, ORG for a structure).
 */
export function mailboxesOf(resource: Json, fallbackType: MailboxType): Mailbox[] {
  const out: Mailbox[] = [];
  for (const t of arr(resource.telecom)) {
    const cp = obj(t) ?? {};
    const email = str(cp.value);
    if (cp.system !== "email" || !email?.includes("@")) continue;
    const meta = extensions(cp, MAILBOX_METADATA_URL)[0] ?? null;
    const mss = extensions(cp, EMAIL_TYPE_URL).some((e) => obj(e.valueCoding)?.code === "MSSANTE");
    if (!meta && !mss) continue;
    const field = (name: string) => (meta ? (extensions(meta, name)[0] ?? null) : null);
    if (field("listeRouge")?.valueBoolean === true) continue;
    const code = codings(field("type")?.valueCodeableConcept)
      .map((c) => c.code)
      .find((c): c is MailboxType => MAILBOX_TYPES.has(c as MailboxType));
    out.push({
      email,
      type: code ?? fallbackType,
      service: str(field("service")?.valueString),
      description: str(field("description")?.valueString),
    });
  }
  return out;
}

interface Person {
  surname: string | null;
  givenName: string | null;
  civility: string | null;
  profession: string | null;
  idNat: string | null;
}

function identifier(resource: Json, system: string): string | null {
  for (const i of arr(resource.identifier)) {
    const id = obj(i);
    if (id?.system === system) return str(id.value);
  }
  return null;
}

function professionOf(concepts: unknown[]): string | null {
  for (const c of concepts) {
    for (const coding of codings(c)) {
      if (coding.system !== PROFESSION_SYSTEM) continue;
      const code = str(coding.code);
      return str(coding.display) ?? (code ? (PROFESSIONS[code] ?? null) : null);
    }
  }
  return null;
}

function personOf(p: Json): Person {
  const names = objs(p.name);
  const name: Json = names.find((n) => n.use === "usual") ?? names[0] ?? {};
  const given = arr(name.given).flatMap((g) => str(g) ?? []);
  // The civilité d'exercice (DR, PR) is the suffix; the prefix is the civility (M, MME).
  const civility = str(arr(name.suffix)[0]) ?? str(arr(name.prefix)[0]);
  return {
    surname: str(name.family),
    givenName: given.length ? given.join(" ") : null,
    civility,
    profession: professionOf(arr(p.qualification).map((q) => obj(q)?.code)),
    idNat: identifier(p, IDNPS_SYSTEM),
  };
}

interface Place {
  organisation: string | null;
  city: string | null;
  postalCode: string | null;
}

function placeOf(org: Json | null, fallbackName: string | null): Place {
  const address = obj(arr(org?.address)[0]);
  const postalCode = str(address?.postalCode);
  // `city` may be the routing line ("58400 LA-CHARITE-SUR-LOIRE"): its postal code is dropped, as the import does.
  const city = str(address?.city)?.replace(/^\d{5}\s+/, "") ?? null;
  return { organisation: str(org?.name) ?? fallbackName, city, postalCode };
}

const EMPTY_PERSON: Person = { surname: null, givenName: null, civility: null, profession: null, idNat: null };

function entry(box: Mailbox, who: Person, place: Place | null): DirectoryEntry {
  const person = [who.givenName, who.surname].filter(Boolean).join(" ");
  const structure = [place?.organisation, box.service].filter(Boolean).join(" — ");
  const displayName = box.type === "PER" && person ? person : structure || box.description || person || box.email;
  const hasPlace = !!(place && (place.organisation || place.city || place.postalCode));
  return {
    email: box.email,
    displayName,
    surname: who.surname,
    givenName: who.givenName,
    civility: who.civility,
    profession: who.profession,
    specialty: null,
    organisation: place?.organisation ?? null,
    service: box.service,
    city: place?.city ?? null,
    postalCode: place?.postalCode ?? null,
    type: box.type,
    idNat: who.idNat ?? null,
    places: hasPlace && place ? [place] : [],
    source: "live",
  };
}

/** The id a reference ("Practitioner/123", or a full URL ending so) points at. */
function referencedId(ref: unknown, type: string): string | null {
  const r = str(obj(ref)?.reference);
  const m = r ? new RegExp(`(?:^|/)${type}/([^/]+)$`).exec(r) : null;
  return m?.[1] ?? null;
}

/** The resources of a searchset Bundle (matches and includes), by type. */
export function bundleResources(bundle: unknown): Json[] {
  return objs(objs(obj(bundle)?.entry).map((e) => e.resource));
}

/** The URL of a searchset Bundle's next page, or null. */
export function nextPageUrl(bundle: unknown): string | null {
  for (const l of arr(obj(bundle)?.link)) {
    const link = obj(l);
    if (link?.relation === "next") return str(link.url);
  }
  return null;
}

/**
 * Every MSSanté mailbox the resources carry, one entry per address (the first found wins: a
 * Practitioner's before its PractitionerRole's), red-listed ones left out.
 */
export function entriesFromResources(resources: Json[]): DirectoryEntry[] {
  const byId = (type: string) => new Map(resources.filter((r) => r.resourceType === type && str(r.id)).map((r) => [r.id as string, r]));
  const practitioners = byId("Practitioner");
  const organizations = byId("Organization");
  const out = new Map<string, DirectoryEntry>();
  const add = (e: DirectoryEntry) => {
    const key = e.email.toLowerCase();
    if (!out.has(key)) out.set(key, e);
  };
  for (const r of resources) {
    if (r.resourceType === "Practitioner") {
      const who = personOf(r);
      for (const box of mailboxesOf(r, "PER")) add(entry(box, who, null));
    } else if (r.resourceType === "PractitionerRole") {
      const p = practitioners.get(referencedId(r.practitioner, "Practitioner") ?? "");
      const who = p ? personOf(p) : EMPTY_PERSON;
      const profession = professionOf(arr(r.code)) ?? who.profession;
      const org = organizations.get(referencedId(r.organization, "Organization") ?? "") ?? null;
      const place = placeOf(org, str(obj(r.organization)?.display));
      for (const box of mailboxesOf(r, "PER")) add(entry(box, { ...who, profession }, place));
    } else if (r.resourceType === "Organization") {
      const place = placeOf(r, null);
      const idNat = identifier(r, IDNST_SYSTEM);
      for (const box of mailboxesOf(r, "ORG")) add(entry(box, { ...EMPTY_PERSON, idNat }, place));
    }
  }
  return [...out.values()];
}

/**
 * Whether an entry matches every word typed (each a prefix of a word of the name, e-mail,
 * organisation or service, accents and case folded). The API is asked with one word (FHIR `name`
 * is a prefix match on one name): the other words are checked here.
 */
export function matchesQuery(e: DirectoryEntry, query: string): boolean {
  const words = new Set(
    [e.surname, e.givenName, e.email.replace(/@.*/, ""), e.organisation, e.service, e.displayName]
      .flatMap((f) => (f ? foldText(f).split(/[^a-z0-9]+/) : []))
      .filter(Boolean),
  );
  const joined = [...words];
  return queryWords(query).every((w) => joined.some((x) => x.startsWith(w)));
}

/** The folded words of a query, longest first (the first one is what the API is asked with). */
export function queryWords(query: string): string[] {
  return [...new Set(foldText(query).split(/[^a-z0-9]+/))].filter(Boolean).sort((a, b) => b.length - a.length);
}
