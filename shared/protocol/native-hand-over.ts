/**
 * The native-messaging host's first message to the extension, sent unasked (docs/protocol.md):
 * where this user's bridge listens and the per-launch credential to prove. One definition for the
 * host that writes it, the extension that checks it and the tests that read it.
 */

/** What the extension needs to reach and authenticate to the bridge. */
export interface HandOver {
  type: "bridge";
  port: number;
  /** 32 random bytes, base64: valid while the native port stays open. */
  credential: string;
  launchId: string;
  protocolVersion: number;
  bridgeVersion: string;
}

/** The host's answer when it cannot reach or start a bridge. */
export interface NativeHostError {
  type: "error";
  code: "BRIDGE_UNAVAILABLE";
  message: string;
}

/** Pure check of the host's first message: nothing unchecked is trusted. Null: not a hand-over. */
export function parseHandOver(v: unknown): HandOver | { type: "error"; message: string } | null {
  if (!v || typeof v !== "object") return null;
  const a = v as Record<string, unknown>;
  if (a.type === "error") return { type: "error", message: typeof a.message === "string" ? a.message.slice(0, 300) : "error" };
  if (a.type !== "bridge") return null;
  if (typeof a.port !== "number" || !Number.isInteger(a.port) || a.port < 1 || a.port > 65535) return null;
  if (typeof a.credential !== "string" || !/^[A-Za-z0-9+/]{43}=$/.test(a.credential)) return null; // 32 bytes
  if (typeof a.launchId !== "string" || !/^[A-Za-z0-9_-]{22}$/.test(a.launchId)) return null;
  if (typeof a.protocolVersion !== "number" || !Number.isInteger(a.protocolVersion)) return null;
  if (typeof a.bridgeVersion !== "string" || a.bridgeVersion.length > 50) return null;
  return {
    type: "bridge",
    port: a.port,
    credential: a.credential,
    launchId: a.launchId,
    protocolVersion: a.protocolVersion,
    bridgeVersion: a.bridgeVersion,
  };
}
