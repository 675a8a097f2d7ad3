/**
 * The local control channel between `mss-bridge` commands (pair, unpair, status, native-host) and
 * the running bridge: line-delimited JSON over a Unix socket only the same user can open (0600
 * inside the 0700 data directory), or a per-user named pipe on Windows. A tiny, validated set.
 */
import { createHash } from "node:crypto";
import os from "node:os";
import { Type, type Static } from "@sinclair/typebox";
import { dataPaths } from "../config/data-dir.ts";

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

/** Where the control channel lives for a data directory. */
export function controlAddress(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === "win32") {
    // Named pipes are machine-global names: derive from the user and the data directory.
    let user = "user";
    try {
      user = os.userInfo().username.replace(/[^A-Za-z0-9_.-]/g, "_");
    } catch {}
    const h = createHash("sha256").update(dataDir.toLowerCase()).digest("hex").slice(0, 16);
    return `\\\\.\\pipe\\mss-bridge-${user}-${h}`;
  }
  return dataPaths(dataDir).controlSocket;
}
