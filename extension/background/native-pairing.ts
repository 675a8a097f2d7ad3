/**
 * Pairing without a typed code: Thunderbird starts the `mssante_bridge` native-messaging host
 * (registered by `mss-bridge install` for this add-on id only) and it answers with the bridge's port
 * and this installation's secret, after recording our origin with the running bridge.
 *   → {type: "pair", origin: "moz-extension://<uuid>"}
 *   ← {type: "paired", port, secret: base64}   or   {type: "error", message}
 */
import { NATIVE_HOST_NAME } from "../../shared/constants.ts";
import { ClientError } from "./client-error.ts";
import type { Messenger } from "./messenger-types.ts";
import type { Pairing } from "./pairing-store.ts";

export interface NativePairAnswer {
  type: "paired";
  port: number;
  secret: string;
}

/** Pure check of the host's answer: we trust nothing we have not checked. */
export function parseNativeAnswer(v: unknown): NativePairAnswer | { type: "error"; message: string } | null {
  if (!v || typeof v !== "object") return null;
  const a = v as Record<string, unknown>;
  if (a.type === "error") return { type: "error", message: typeof a.message === "string" ? a.message.slice(0, 300) : "error" };
  if (a.type !== "paired") return null;
  if (typeof a.port !== "number" || !Number.isInteger(a.port) || a.port < 1 || a.port > 65535) return null;
  if (typeof a.secret !== "string" || !/^[A-Za-z0-9+/]{22,}={0,2}$/.test(a.secret)) return null;
  return { type: "paired", port: a.port, secret: a.secret };
}

/** The extension's origin as the bridge sees it in the WebSocket Origin header. */
export function extensionOrigin(m: Messenger): string {
  return m.runtime.getURL("").replace(/\/+$/, "");
}

export async function pairNative(m: Messenger, timeoutMs = 10_000): Promise<Pairing> {
  let answer: unknown;
  try {
    answer = await Promise.race([
      m.runtime.sendNativeMessage(NATIVE_HOST_NAME, { type: "pair", origin: extensionOrigin(m) }),
      new Promise((_, reject) => setTimeout(() => reject(new Error("native host timeout")), timeoutMs)),
    ]);
  } catch (e) {
    // Typically "No such native application mssante_bridge": the bridge is not installed for this user.
    throw new ClientError("NATIVE_UNAVAILABLE", e instanceof Error ? e.message : String(e));
  }
  const parsed = parseNativeAnswer(answer);
  if (!parsed) throw new ClientError("INVALID_REPLY", "the native host's answer is not a pairing");
  if (parsed.type === "error") throw new ClientError("PAIRING_FAILED", parsed.message);
  return { port: parsed.port, secret: parsed.secret, pairedAt: new Date().toISOString(), via: "native" };
}
