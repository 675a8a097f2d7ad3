/**
 * Per-launch credentials: what the native-messaging host hands the extension instead of the
 * persistent pairing secret. Each attached host (one per Thunderbird profile's native port) gets
 * its own 32 random bytes, kept only in the bridge's memory and valid while that host stays
 * attached; the extension proves it exactly as it proves the pairing secret (the credential takes
 * the secret's place in shared/protocol/proofs.ts). The first origin that authenticates with a
 * credential owns it: another origin presenting it is treated as not paired.
 *
 * The id names the credential in session.hello (it is not secret: it selects the key, it proves
 * nothing). Nothing here is ever written to disk.
 */
import { randomBytes } from "node:crypto";

interface Held {
  key: Uint8Array<ArrayBuffer>;
  origin: string | null;
}

export interface IssuedCredential {
  /** Names the credential in session.hello: 16 random bytes in base64url (22 characters). */
  id: string;
  /** Base64 of the 32-byte key: goes to the extension through the native port, nowhere else. */
  credential: string;
}

export class LaunchCredentials {
  private readonly held = new Map<string, Held>();

  issue(): IssuedCredential {
    const id = randomBytes(16).toString("base64url");
    const raw = randomBytes(32);
    const key = new Uint8Array(new ArrayBuffer(32));
    key.set(raw);
    this.held.set(id, { key, origin: null });
    return { id, credential: raw.toString("base64") };
  }

  revoke(id: string): void {
    const h = this.held.get(id);
    if (h) h.key.fill(0);
    this.held.delete(id);
  }

  /** The key of credential `id` for `origin`, or null (unknown, revoked, or owned by another origin). */
  keyFor(id: string, origin: string): Uint8Array<ArrayBuffer> | null {
    const h = this.held.get(id);
    if (!h || (h.origin !== null && h.origin !== origin)) return null;
    return h.key;
  }

  /** After a successful authentication: the credential now belongs to `origin`. */
  bind(id: string, origin: string): void {
    const h = this.held.get(id);
    if (h && h.origin === null) h.origin = origin;
  }

  /** Some held credential could be presented by `origin` (the upgrade's Origin check). */
  admits(origin: string): boolean {
    for (const h of this.held.values()) if (h.origin === null || h.origin === origin) return true;
    return false;
  }

  count(): number {
    return this.held.size;
  }
}
