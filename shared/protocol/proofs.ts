/**
 * The challenge-response of every connection, and the pairing code exchange, as pure functions over
 * Web Crypto (available in Node 20 and in extension pages). Both sides import this one file.
 *
 * Per connection: the client sends clientNonce; the bridge answers bridgeNonce and
 * bridgeProof = HMAC(secret, BRIDGE | clientNonce | bridgeNonce | origin), which the client checks
 * before trusting anything; the client then sends clientProof = HMAC(secret, CLIENT | bridgeNonce |
 * clientNonce | origin). Fresh nonces on both sides make a proof useless on another connection, and
 * the origin binds it to one paired extension installation. The secret itself never travels.
 *
 * Protocol version 2 binds more (boundBridgeProof, boundClientProof): the port and the Host of the
 * connection as the client made it (the bridge uses its own listening port and the Host header it
 * received), so a process listening on another port that relays the handshake to the real bridge
 * gets proofs for the wrong port on both sides; and the bridge's proof covers its `paired` answer,
 * so only the real bridge can tell the extension that it is no longer paired.
 */
import { PAIRING_LABEL, PROOF_LABEL_BRIDGE, PROOF_LABEL_BRIDGE_V2, PROOF_LABEL_CLIENT, PROOF_LABEL_CLIENT_V2 } from "./version.ts";

const enc = new TextEncoder();

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

export function randomNonce(): string {
  const b = new Uint8Array(32);
  globalThis.crypto.getRandomValues(b);
  return bytesToBase64(b);
}

export function bytesToBase64(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

export function base64ToBytes(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toHex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

async function hmacHex(key: Uint8Array<ArrayBuffer>, parts: string[]): Promise<string> {
  const k = await subtle().importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(await subtle().sign("HMAC", k, enc.encode(parts.join("|"))));
}

/** Constant-time comparison of two hex strings. */
export function sameProof(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function bridgeProof(secret: Uint8Array<ArrayBuffer>, clientNonce: string, bridgeNonce: string, origin: string) {
  return hmacHex(secret, [PROOF_LABEL_BRIDGE, clientNonce, bridgeNonce, origin]);
}

export function clientProof(secret: Uint8Array<ArrayBuffer>, clientNonce: string, bridgeNonce: string, origin: string) {
  return hmacHex(secret, [PROOF_LABEL_CLIENT, bridgeNonce, clientNonce, origin]);
}

/** What a version 2 proof binds besides the nonces: the connection as the client opened it. */
export interface ProofBinding {
  /** The extension's origin, "moz-extension://<uuid>". */
  origin: string;
  /** The TCP port of the bridge the client connected to. */
  port: number;
  /** The Host of the WebSocket request, "127.0.0.1:<port>" (lower case). */
  host: string;
}

export function boundBridgeProof(
  secret: Uint8Array<ArrayBuffer>,
  clientNonce: string,
  bridgeNonce: string,
  b: ProofBinding,
  paired: boolean,
): Promise<string> {
  return hmacHex(secret, [
    PROOF_LABEL_BRIDGE_V2,
    clientNonce,
    bridgeNonce,
    b.origin,
    String(b.port),
    b.host.toLowerCase(),
    paired ? "paired" : "not-paired",
  ]);
}

export function boundClientProof(
  secret: Uint8Array<ArrayBuffer>,
  clientNonce: string,
  bridgeNonce: string,
  b: ProofBinding,
): Promise<string> {
  return hmacHex(secret, [PROOF_LABEL_CLIENT_V2, bridgeNonce, clientNonce, b.origin, String(b.port), b.host.toLowerCase()]);
}

/** Normalises a typed pairing code: upper case, no spaces or dashes. */
export function normalisePairingCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, "");
}

export function pairingProof(code: string, pairingNonce: string, clientNonce: string, origin: string) {
  return hmacHex(enc.encode(normalisePairingCode(code)), [PAIRING_LABEL, "proof", pairingNonce, clientNonce, origin]);
}

async function pairingKey(code: string, pairingNonce: string, clientNonce: string, usage: KeyUsage) {
  const ikm = await subtle().importKey("raw", enc.encode(normalisePairingCode(code)), "HKDF", false, ["deriveKey"]);
  return subtle().deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: enc.encode(`${pairingNonce}|${clientNonce}`), info: enc.encode(`${PAIRING_LABEL}|seal`) },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    [usage],
  );
}

/** Bridge side: encrypts the secret for the client that proved the code. */
export async function sealSecret(
  secret: Uint8Array<ArrayBuffer>,
  code: string,
  pairingNonce: string,
  clientNonce: string,
): Promise<string> {
  const key = await pairingKey(code, pairingNonce, clientNonce, "encrypt");
  const iv = new Uint8Array(12);
  globalThis.crypto.getRandomValues(iv);
  const ct = new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv }, key, secret));
  const out = new Uint8Array(iv.length + ct.length);
  out.set(iv);
  out.set(ct, iv.length);
  return bytesToBase64(out);
}

/** Client side: recovers the secret; throws if the code or nonces differ. */
export async function openSecret(
  sealed: string,
  code: string,
  pairingNonce: string,
  clientNonce: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const raw = base64ToBytes(sealed);
  const key = await pairingKey(code, pairingNonce, clientNonce, "decrypt");
  return new Uint8Array(await subtle().decrypt({ name: "AES-GCM", iv: raw.slice(0, 12) }, key, raw.slice(12)));
}
