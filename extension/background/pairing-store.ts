/**
 * Where the pairing lives: storage.local key "mss.pairing" = {port, secret (base64), pairedAt, via}.
 * storage.local is private to this extension. The secret is never logged nor sent anywhere: it
 * only keys the HMAC proofs (shared/protocol/proofs.ts).
 */
import type { Messenger } from "./messenger-types.ts";

export const PAIRING_KEY = "mss.pairing";

export interface Pairing {
  port: number;
  /** Base64 of the per-installation secret (or of the per-launch credential, via "launch"). */
  secret: string;
  pairedAt: string;
  /**
   * "code": the stored pairing (typed code). "native": stored by an older version (its host handed out
   * the persistent secret). "launch": the native host's hand-over (native-bridge.ts), never stored.
   */
  via: "native" | "code" | "launch";
  /** Names the per-launch credential in session.hello (via "launch" only). */
  launchId?: string;
}

export function isPairing(v: unknown): v is Pairing {
  if (!v || typeof v !== "object") return false;
  const p = v as Record<string, unknown>;
  return (
    typeof p.port === "number" &&
    Number.isInteger(p.port) &&
    p.port > 0 &&
    p.port < 65536 &&
    typeof p.secret === "string" &&
    /^[A-Za-z0-9+/]+={0,2}$/.test(p.secret) &&
    p.secret.length >= 16 &&
    typeof p.pairedAt === "string" &&
    (p.via === "native" || p.via === "code")
  );
}

export async function loadPairing(m: Messenger): Promise<Pairing | null> {
  const got = await m.storage.local.get(PAIRING_KEY);
  const v = got[PAIRING_KEY];
  return isPairing(v) ? v : null;
}

export async function savePairing(m: Messenger, p: Pairing): Promise<void> {
  await m.storage.local.set({ [PAIRING_KEY]: p });
}

export async function forgetPairing(m: Messenger): Promise<void> {
  await m.storage.local.remove(PAIRING_KEY);
}

/**
 * "mss.pairingRevoked" = {at}: the bridge refused a pairing we held (`mss-bridge unpair`). While it
 * is set nothing pairs automatically: only the user's own action (the setup page) pairs again.
 */
export const PAIRING_REVOKED_KEY = "mss.pairingRevoked";

export async function isPairingRevoked(m: Messenger): Promise<boolean> {
  const v = (await m.storage.local.get(PAIRING_REVOKED_KEY))[PAIRING_REVOKED_KEY];
  return !!v && typeof v === "object";
}

/** Records the revocation and drops the secret the bridge no longer accepts. */
export async function markPairingRevoked(m: Messenger, now = new Date()): Promise<void> {
  await m.storage.local.set({ [PAIRING_REVOKED_KEY]: { at: now.toISOString() } });
  await forgetPairing(m);
}

export async function clearPairingRevoked(m: Messenger): Promise<void> {
  await m.storage.local.remove(PAIRING_REVOKED_KEY);
}
