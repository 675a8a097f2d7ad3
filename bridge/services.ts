/**
 * What the WebSocket server routes to. The server only validates, authenticates and routes; the
 * work is done by these services (card/, token/, directory/, trust/), each testable on its own.
 * Every method throws BridgeError (shared/protocol/errors.ts) with a code the client understands.
 */
import type { EventEmitter } from "node:events";
import type { CardIdentity, PinStatus } from "../shared/domain/identity.ts";
import type { CardLayerState, ModuleInfo } from "../shared/domain/card.ts";
import type { DirectoryEntry, DirectoryStatus, SearchOutcome } from "../shared/domain/directory-entry.ts";
import type { Discovery, TrustDecision, TrustList } from "../shared/domain/trust.ts";
import type { NotificationParams, Result } from "../shared/protocol/schemas.ts";

export type { ModuleInfo, SearchOutcome };

/** Readers, cards and the card's token. Emits "changed" with a card.changed notification. */
export interface CardService extends EventEmitter {
  getState(): CardLayerState;
  /** Reads the authentication certificate (no login) and parses the holder's identity. */
  getIdentity(): Promise<CardIdentity>;
  getPinStatus(): Promise<PinStatus>;
  getModuleInfo(): Promise<ModuleInfo>;
  installModuleManifest(): Promise<void>;
  close(): Promise<void>;
}
export type CardChanged = NotificationParams<"card.changed">;

export type ImportProgress = NotificationParams<"directory.importProgress">;

/** The directory, offline index or LDAP: same answers either way. */
export interface DirectoryService {
  search(query: string, limit?: number): Promise<SearchOutcome>;
  lookupByIdNat(idNat: string): Promise<DirectoryEntry[]>;
  lookupByAddress(address: string): Promise<DirectoryEntry | null>;
  status(): DirectoryStatus;
  /** Imports from the configured source into a new index and swaps it in; the old one serves until then. */
  importFromConfiguredSource(onProgress: (p: ImportProgress) => void): Promise<void>;
  /** True while an import runs, whoever started it (a client, the scheduled refresh, the demo). */
  readonly importInProgress: boolean;
  close(): Promise<void>;
}

export type LiveSearchAnswer = Result<"directory.searchLive">;
export type LiveLookupAnswer = Result<"directory.lookupLive">;

/**
 * The live complement (ANS's FHIR API) for what the offline directory does not find; present only
 * when an API key is configured (bridge/directory/live/live-directory.ts).
 */
export interface LiveDirectoryService {
  searchLive(query: string, limit?: number): Promise<LiveSearchAnswer>;
  lookupLive(address: string): Promise<LiveLookupAnswer>;
}

export interface TrustService {
  check(address: string): TrustDecision;
  /** The loaded list; throws BridgeError TRUST_LIST_UNAVAILABLE (saying what to do) when there is none. */
  list(): TrustList;
  /** Servers of an address, and the card login chosen with the operator policies; throws DISCOVERY_FAILED or INVALID_ADDRESS. */
  discover(address: string): Promise<Discovery>;
}
