/**
 * One MSSanté mailbox as the directory describes it (one result per address), and the directory's
 * status: the static types of the protocol's schemas (shared/protocol/schemas.ts).
 */
import type { Static } from "@sinclair/typebox";
import type { DirectoryEntrySchema, DirectoryStatusSchema, PlaceSchema, SearchOutcomeSchema } from "../protocol/schemas.ts";

export type DirectoryEntry = Static<typeof DirectoryEntrySchema>;
export type MailboxType = DirectoryEntry["type"];
export type Place = Static<typeof PlaceSchema>;

export type DirectoryStatus = Static<typeof DirectoryStatusSchema>;

/** A search's answer: the entries, and how they were matched. */
export type SearchOutcome = Static<typeof SearchOutcomeSchema>;

export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 100;
