/** One MSSanté mailbox as the directory describes it (one result per address). */

export type MailboxType = "PER" | "ORG" | "APP" | "CAB";

export interface Place {
  organisation: string | null;
  city: string | null;
  postalCode: string | null;
}

export interface DirectoryEntry {
  email: string;
  displayName: string;
  surname: string | null;
  givenName: string | null;
  civility: string | null;
  profession: string | null;
  specialty: string | null;
  organisation: string | null;
  service: string | null;
  city: string | null;
  postalCode: string | null;
  type: MailboxType;
  idNat: string | null;
  places: Place[];
}

export interface DirectoryStatus {
  /** "offline" index or "ldap" source. */
  source: "offline" | "ldap" | "none";
  /** Date of the national extraction the index was built from (ISO 8601), null if unknown. */
  sourceDate: string | null;
  /** When the index was built (ISO 8601). */
  builtAt: string | null;
  /** Number of mailboxes (addresses) in the index. */
  count: number;
  /** Age of the source in days. */
  ageDays: number | null;
  /** The index is older than a week. */
  stale: boolean;
}

export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 100;
