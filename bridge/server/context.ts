/** What every connection of one running bridge shares: services, pairing, limits, audit, log. */
import type { CardService, DirectoryService, LiveDirectoryService, TrustService } from "../services.ts";
import type { PairingStore } from "../pairing/pairing-store.ts";
import type { PairingWindow } from "../pairing/pairing-code.ts";
import type { LaunchCredentials } from "../pairing/launch-credentials.ts";
import type { AuditSink } from "../audit/audit-log.ts";
import type { Logger } from "../log/logger.ts";
import type { AuthBackoff } from "./rate-limit.ts";

export interface Services {
  card: CardService;
  directory: DirectoryService;
  trust: TrustService;
  /** The FHIR API as a live complement of the directory; absent when no API key is configured. */
  live?: LiveDirectoryService;
}

export interface ServerLimits {
  /** Authenticated connections; unauthenticated ones can never take these slots. */
  maxConnections: number;
  /** Upgraded connections not authenticated yet; past this many the oldest is closed for a new one. */
  maxUnauthenticated: number;
  /** TCP connections that have not sent their upgrade request yet; past this many the oldest is dropped. */
  maxPendingConnections: number;
  /** A TCP connection must send its request line and headers within this long, or is dropped. */
  upgradeDeadlineMs: number;
  requestsPerSecond: number;
  cardOperationTimeoutMs: number;
  /** An unauthenticated connection is closed after this long. */
  handshakeTimeoutMs: number;
  /** Non-card operations (directory, trust) time out after this long. */
  operationTimeoutMs: number;
  /** Requests of one connection being worked on at once; more get BUSY. */
  maxInFlight: number;
  /** Wrong session proofs on one connection before it is closed. */
  maxAuthFailuresPerConnection: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxConnections: 64,
  maxUnauthenticated: 16,
  maxPendingConnections: 32,
  upgradeDeadlineMs: 5_000,
  requestsPerSecond: 50,
  cardOperationTimeoutMs: 15_000,
  handshakeTimeoutMs: 10_000,
  operationTimeoutMs: 30_000,
  maxInFlight: 8,
  maxAuthFailuresPerConnection: 3,
};

export interface ServerContext {
  services: Services;
  pairing: PairingStore;
  pairingWindow: PairingWindow;
  /** The credentials handed to attached native-messaging hosts (docs/protocol.md, "Lifecycle"). */
  launch: LaunchCredentials;
  /** "hosted": started by a native-messaging host, lives while a host is attached; "service": `mss-bridge start`. */
  lifecycle: "hosted" | "service";
  authBackoff: AuthBackoff;
  audit: AuditSink;
  log: Logger;
  limits: ServerLimits;
  bridgeVersion: string;
  demo: boolean;
  startedAt: number;
  /** The port the extension should use (what pairing hands out). */
  port(): number;
  /** Called when an origin has just been paired (by code), so the control channel can tell `pair`. */
  onPaired?(origin: string, via: "code" | "native-messaging"): void;
  /** Directory imports started over the protocol report progress here (broadcast). */
  onImportProgress?(p: unknown): void;
}
