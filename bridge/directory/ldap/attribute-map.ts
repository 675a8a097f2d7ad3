/**
 * Directory fields ↔ LDAP attributes (pure). The national LDAP schema is not confirmed, so the
 * mapping is configuration (config.directory.ldap.attributes, merged over DEFAULT_ATTRIBUTE_MAP).
 *
 * Default mapping (standard core/cosine/inetOrgPerson attributes):
 *   email → mail            surname → sn                 givenName → givenName
 *   displayName → displayName (fallback cn)             civility → personalTitle
 *   profession → title      specialty → businessCategory type → employeeType (PER/ORG/APP/CAB)
 *   organisation → o        service → ou                 city → l
 *   postalCode → postalCode address → street             department → st
 *   idNat → uid
 * An address with several practice places may be several LDAP entries with the same mail, or one
 * entry with multi-valued o/ou/l/postalCode (zipped by position); both become one result.
 */
import { BridgeError, ErrorCode } from "../../../shared/protocol/errors.ts";
import { cleanField, isMailboxType, type StoredEntry, type StoredPlace } from "../search/entry.ts";
import { normalizeAddress } from "../../../shared/domain/address.ts";
import { isAttributeDescription } from "./escape.ts";

export const MAPPED_FIELDS = [
  "email",
  "surname",
  "givenName",
  "displayName",
  "civility",
  "profession",
  "specialty",
  "type",
  "organisation",
  "service",
  "city",
  "postalCode",
  "address",
  "department",
  "idNat",
] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];
export type AttributeMap = Record<MappedField, string | null>;

export const DEFAULT_ATTRIBUTE_MAP: AttributeMap = {
  email: "mail",
  surname: "sn",
  givenName: "givenName",
  displayName: "displayName",
  civility: "personalTitle",
  profession: "title",
  specialty: "businessCategory",
  type: "employeeType",
  organisation: "o",
  service: "ou",
  city: "l",
  postalCode: "postalCode",
  address: "street",
  department: "st",
  idNat: "uid",
};

/** Fields a search token is matched against on the server (the offline index's fields). */
export const SEARCHED_FIELDS: readonly MappedField[] = [
  "surname",
  "givenName",
  "email",
  "profession",
  "specialty",
  "organisation",
  "service",
  "city",
  "postalCode",
  "address",
  "department",
];

/**
 * Configuration over the defaults. A value "" or null removes a field from the mapping (the server
 * has no such attribute). Unknown keys and invalid attribute names are configuration errors.
 */
export function resolveAttributeMap(configured: Record<string, string | null> | undefined): AttributeMap {
  const map: AttributeMap = { ...DEFAULT_ATTRIBUTE_MAP };
  for (const [k, v] of Object.entries(configured ?? {})) {
    if (!(MAPPED_FIELDS as readonly string[]).includes(k)) {
      throw new BridgeError(
        ErrorCode.LDAP_ERROR,
        `directory.ldap.attributes: unknown field "${k}". Known fields: ${MAPPED_FIELDS.join(", ")}.`,
      );
    }
    if (v === null || v === "") map[k as MappedField] = null;
    else if (typeof v === "string" && isAttributeDescription(v)) map[k as MappedField] = v;
    else throw new BridgeError(ErrorCode.LDAP_ERROR, `directory.ldap.attributes.${k}: "${String(v)}" is not an LDAP attribute name.`);
  }
  if (!map.email)
    throw new BridgeError(ErrorCode.LDAP_ERROR, "directory.ldap.attributes.email must name the attribute holding the MSSanté address.");
  return map;
}

/** Attributes to ask the server for (plus cn, the displayName fallback). */
export function requestedAttributes(map: AttributeMap): string[] {
  const set = new Set<string>(["cn"]);
  for (const f of MAPPED_FIELDS) {
    const a = map[f];
    if (a) set.add(a);
  }
  return [...set];
}

/** One search entry as ldapts returns it (attribute names as the server spells them). */
export type LdapEntry = { dn: string } & Record<string, unknown>;

/** Values of an attribute, case-insensitively by name, as strings. */
export function values(entry: LdapEntry, attr: string | null): string[] {
  if (!attr) return [];
  const want = attr.toLowerCase();
  for (const [k, v] of Object.entries(entry)) {
    if (k === "dn" || k.toLowerCase() !== want) continue;
    const list = Array.isArray(v) ? v : [v];
    return list
      .map((x) => (Buffer.isBuffer(x) ? x.toString("utf8") : String(x)))
      .map((s) => cleanField(s))
      .filter((s): s is string => s !== null);
  }
  return [];
}

function first(entry: LdapEntry, attr: string | null): string | null {
  return values(entry, attr)[0] ?? null;
}

function placesOf(entry: LdapEntry, map: AttributeMap): StoredPlace[] {
  const cols = {
    organisation: values(entry, map.organisation),
    service: values(entry, map.service),
    city: values(entry, map.city),
    postalCode: values(entry, map.postalCode),
    address: values(entry, map.address),
    department: values(entry, map.department),
  };
  const n = Math.max(1, ...Object.values(cols).map((c) => c.length));
  const places: StoredPlace[] = [];
  for (let i = 0; i < n; i++) {
    places.push({
      organisation: cols.organisation[i] ?? null,
      service: cols.service[i] ?? null,
      city: cols.city[i] ?? null,
      postalCode: cols.postalCode[i] ?? null,
      address: cols.address[i] ?? null,
      department: cols.department[i] ?? null,
    });
  }
  return places;
}

const samePlace = (a: StoredPlace, b: StoredPlace) =>
  a.organisation === b.organisation && a.city === b.city && a.postalCode === b.postalCode && a.service === b.service;

export interface MappedEntry {
  stored: StoredEntry;
  /** The server's own display name (displayName, else cn), if any. */
  serverDisplayName: string | null;
}

/**
 * LDAP entries → one record per address (entries with the same mail merged, places appended in
 * server order). Entries without a usable mail are skipped. Type: the mapped attribute when it is
 * PER/ORG/APP/CAB, else PER when the entry has a surname, else ORG.
 */
export function entriesToStored(entries: LdapEntry[], map: AttributeMap): MappedEntry[] {
  const out: MappedEntry[] = [];
  const byAddress = new Map<string, MappedEntry>();
  for (const e of entries) {
    const email = first(e, map.email);
    if (!email?.includes("@")) continue;
    const key = normalizeAddress(email);
    const places = placesOf(e, map);
    const have = byAddress.get(key);
    if (have) {
      for (const p of places) if (!have.stored.places.some((q) => samePlace(p, q))) have.stored.places.push(p);
      continue;
    }
    const surname = first(e, map.surname);
    const rawType = (first(e, map.type) ?? "").toUpperCase();
    const mapped: MappedEntry = {
      stored: {
        email,
        type: isMailboxType(rawType) ? rawType : surname ? "PER" : "ORG",
        surname,
        givenName: first(e, map.givenName),
        civility: first(e, map.civility),
        profession: first(e, map.profession),
        specialty: first(e, map.specialty),
        idNat: first(e, map.idNat),
        places,
      },
      serverDisplayName: first(e, map.displayName) ?? first(e, "cn"),
    };
    byAddress.set(key, mapped);
    out.push(mapped);
  }
  return out;
}
