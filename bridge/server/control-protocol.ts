/**
 * The local control channel between `mss-bridge` commands (pair, unpair, status, native-host) and
 * the running bridge: line-delimited JSON over a Unix socket only the same user can open (0600
 * inside the 0700 data directory), or a named pipe on Windows. Both ends first prove the data
 * directory's control key (control-auth.ts); then a tiny, validated set of commands.
 */
import { Type, type Static } from "@sinclair/typebox";
import { dataPaths } from "../config/data-dir.ts";
import { controlPipeId } from "./control-auth.ts";

/** Longest line either side accepts. */
export const MAX_CONTROL_LINE = 8 * 1024;

const Origin = Type.String({ maxLength: 200 });

export const ControlRequestSchema = Type.Union([
  Type.Object({ id: Type.Integer(), cmd: Type.Literal("status") }, { additionalProperties: false }),
  Type.Object({ id: Type.Integer(), cmd: Type.Literal("pair.open") }, { additionalProperties: false }),
  Type.Object({ id: Type.Integer(), cmd: Type.Literal("pair.cancel") }, { additionalProperties: false }),
  Type.Object(
    { id: Type.Integer(), cmd: Type.Literal("unpair"), origin: Type.Optional(Origin), all: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  /**
   * A native-messaging host attaches for as long as this connection stays open: it gets the port
   * and a fresh per-launch credential (never the pairing secret), withdrawn when the connection
   * closes. A bridge started by a host stops when its last host has detached.
   */
  Type.Object({ id: Type.Integer(), cmd: Type.Literal("host.attach") }, { additionalProperties: false }),
]);
export type ControlRequest = Static<typeof ControlRequestSchema>;

export interface ControlReplyOk {
  id: number;
  ok: true;
  result: unknown;
}
export interface ControlReplyErr {
  id: number | null;
  ok: false;
  error: { code: number; message: string };
}
/** What host.attach answers: what the host sends the extension as its first native message. */
export interface HostAttachment {
  port: number;
  /** Base64 of the 32-byte per-launch credential. */
  credential: string;
  /** Names the credential in session.hello. */
  launchId: string;
  protocolVersion: number;
  bridgeVersion: string;
  /** The bridge's process id (for `ps` and tests; the extension does not need it). */
  pid: number;
}

/** Unsolicited lines (no id): the end of a pairing window opened on this connection. */
export interface ControlEvent {
  event: "pairing.ended";
  how: "paired" | "expired" | "too-many-attempts" | "cancelled";
  origin?: string;
}
export type ControlLine = ControlReplyOk | ControlReplyErr | ControlEvent;

/**
 * Where the control channel lives for a data directory. On Windows a named pipe: pipe names are
 * machine-wide and their default ACL lets other users create one first, so the name carries a
 * random part derived from the data directory's control key (unknown to other users), and both
 * ends prove that key before trusting each other (control-auth.ts).
 */
export function controlAddress(dataDir: string, key: Uint8Array, platform: NodeJS.Platform = process.platform): string {
  if (platform === "win32") return `\\\\.\\pipe\\mss-bridge-${controlPipeId(key)}`;
  return dataPaths(dataDir).controlSocket;
}

/** First line of the bridge on every connection. */
export const ControlChallengeSchema = Type.Object({ challenge: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
/** The command's proof, its first line. */
export const ControlClientAuthSchema = Type.Object(
  { auth: Type.Object({ nonce: Type.String({ maxLength: 64 }), proof: Type.String({ maxLength: 64 }) }, { additionalProperties: false }) },
  { additionalProperties: false },
);
/** The bridge's proof, its answer to the command's. */
export const ControlServerAuthSchema = Type.Object(
  { auth: Type.Object({ proof: Type.String({ maxLength: 64 }) }, { additionalProperties: false }) },
  { additionalProperties: false },
);
