/**
 * Mutual proof on the control channel: before either end trusts anything on it, both prove they
 * hold the data directory's control key (control-key.ts). Pure: the nonces come from the caller.
 *
 *   bridge  → command: {"challenge": <32 random bytes, base64>}
 *   command → bridge:  {"auth": {"nonce": <32 random bytes>, "proof": HMAC(key, "client" ‖ challenge ‖ nonce)}}
 *   bridge  → command: {"auth": {"proof": HMAC(key, "server" ‖ challenge ‖ nonce)}}
 *
 * The command proves first (the bridge's challenge is fresh, so its proof is worthless elsewhere);
 * the bridge proves second, and the command sends no request before checking that proof. A
 * squatter on the channel (another user who created the Windows pipe first) holds no key: it can
 * answer neither side.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Bytes of the key, of each nonce, and of each proof (HMAC-SHA-256). */
export const CONTROL_KEY_BYTES = 32;
export const CONTROL_NONCE_BYTES = 32;

/** Labels keep a proof of one side from ever passing as the other's. */
const LABELS = { client: "mss-bridge control client v1", server: "mss-bridge control server v1" } as const;

export type ControlRole = keyof typeof LABELS;

export function controlProof(key: Uint8Array, role: ControlRole, challenge: Uint8Array, nonce: Uint8Array): Buffer {
  return createHmac("sha256", key).update(LABELS[role]).update("\0").update(challenge).update(nonce).digest();
}

/** Constant-time check of a proof received in base64; false for anything malformed. */
export function verifyControlProof(
  key: Uint8Array,
  role: ControlRole,
  challenge: Uint8Array,
  nonce: Uint8Array,
  proofB64: unknown,
): boolean {
  const got = decodeFixed(proofB64, 32);
  if (!got) return false;
  return timingSafeEqual(got, controlProof(key, role, challenge, nonce));
}

/** Base64 of exactly `bytes` bytes, or null. */
export function decodeFixed(b64: unknown, bytes: number): Buffer | null {
  if (typeof b64 !== "string" || b64.length !== Math.ceil(bytes / 3) * 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const buf = Buffer.from(b64, "base64");
  return buf.length === bytes ? buf : null;
}

/**
 * The random part of the Windows pipe's name: derived from the key, so it is kept in the data
 * directory without a second file, unguessable by other users, and reveals nothing of the key.
 */
export function controlPipeId(key: Uint8Array): string {
  return createHmac("sha256", key).update("mss-bridge control pipe name v1").digest("hex").slice(0, 32);
}
