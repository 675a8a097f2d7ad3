/**
 * Lines of the extraction → merged directory entries (pure). The lines of one address (one per
 * practice situation) become one entry with several places.
 */
import { cleanField, isMailboxType, stripControls, type StoredEntry, type StoredPlace } from "../search/entry.ts";
import { normalizeAddress } from "../search/normalize.ts";
import type { HeaderMap } from "./columns.ts";

export class LineError extends Error {}

/** "69003 LYON" → "LYON"; the line also carries the postal code in its own column. */
export function cityFromLine(l6: string | null, postalCode: string | null): string | null {
  if (!l6) return null;
  let c = l6.trim();
  if (postalCode && c.startsWith(postalCode)) c = c.slice(postalCode.length);
  c = c.replace(/^\s*\d{4,5}\s+/, "").trim();
  return c || null;
}

/** Receives entries and later lines of the same address (the index builder implements it). */
export interface EntrySink {
  add(e: StoredEntry, key?: string): number;
  merge(p: number, line: StoredEntry): void;
}

export class EntryMerger {
  private readonly byAddress = new Map<string, number>();
  count = 0;
  lines = 0;
  skipped = 0;
  readonly problems: string[] = [];

  constructor(
    private readonly header: HeaderMap,
    private readonly sink: EntrySink,
  ) {}

  private problem(lineNo: number, what: string): void {
    this.skipped++;
    if (this.problems.length < 20) this.problems.push(`line ${lineNo}: ${what}`);
  }

  /** Adds one data line (without its line end). `lineNo` counts from 1 = the header. */
  addLine(line: string, lineNo: number): void {
    if (line.length === 0) return;
    this.lines++;
    const f = stripControls(line).split("|");
    if (f.length !== this.header.columnCount) {
      this.problem(lineNo, `${f.length} columns instead of ${this.header.columnCount}`);
      return;
    }
    const ix = this.header.index;
    const get = (k: keyof HeaderMap["index"]) => cleanField(f[ix[k]]!);
    const type = (get("type") ?? "").toUpperCase();
    const email = get("email");
    if (!email || !email.includes("@")) {
      this.problem(lineNo, "no valid mailbox address");
      return;
    }
    if (!isMailboxType(type)) {
      this.problem(lineNo, `unknown mailbox type "${type.slice(0, 10)}"`);
      return;
    }
    const postalCode = get("postalCode");
    // The street without its number: numbers would match nearly every short numeric query.
    const streetType = get("streetType");
    const streetName = get("streetName");
    const address = streetType && streetName ? `${streetType} ${streetName}` : (streetName ?? streetType);
    const place: StoredPlace = {
      organisation: get("organisation"),
      city: cityFromLine(get("cityLine"), postalCode),
      postalCode,
      service: get("service"),
      address,
      department: get("department"),
    };
    const entry: StoredEntry = {
      email,
      type,
      surname: get("surname"),
      givenName: get("givenName"),
      civility: get("civility"),
      profession: get("profession"),
      specialty: get("specialty"),
      idNat: get("idNat"),
      places: [place],
    };
    const key = normalizeAddress(email);
    const at = this.byAddress.get(key);
    if (at === undefined) {
      this.byAddress.set(key, this.sink.add(entry, key));
      this.count++;
    } else {
      this.sink.merge(at, entry);
    }
  }
}

/** In-memory sink (tests): merges the same way as the index builder. */
export class EntryList implements EntrySink {
  readonly entries: StoredEntry[] = [];
  add(e: StoredEntry): number {
    this.entries.push(e);
    return this.entries.length - 1;
  }
  merge(p: number, line: StoredEntry): void {
    const e = this.entries[p]!;
    for (const k of ["surname", "givenName", "civility", "profession", "specialty", "idNat"] as const) e[k] ??= line[k];
    for (const place of line.places) {
      if (!e.places.some((q) => JSON.stringify(q) === JSON.stringify(place))) e.places.push(place);
    }
  }
}
