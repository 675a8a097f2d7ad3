/**
 * The per-installation secret (32 random bytes) and the paired extension origins, kept in
 * `<data dir>/pairing.json` with user-only permissions. Created on first start or install.
 * Writes go to a temporary 0600 file renamed over the old one, so a crash never leaves half a file.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync, unlinkSync } from "node:fs";
import { bytesToBase64, base64ToBytes } from "../../shared/protocol/proofs.ts";
import { BridgeError, ErrorCode } from "../../shared/protocol/errors.ts";
import { isExtensionOrigin } from "./extension-origin.ts";

export interface PairedOrigin {
  origin: string;
  pairedAt: string;
  via: "native-messaging" | "code";
}

interface PairingFile {
  version: 1;
  secret: string; // base64, 32 bytes
  createdAt: string;
  origins: PairedOrigin[];
}

export interface PairingStoreInfo {
  /** The file's permissions were wider than 0600 and have been narrowed. */
  fixedPermissions: boolean;
  created: boolean;
}

export class PairingStore {
  private data: PairingFile;
  readonly info: PairingStoreInfo;

  private constructor(
    private readonly file: string,
    data: PairingFile,
    info: PairingStoreInfo,
  ) {
    this.data = data;
    this.info = info;
  }

  /** Loads the pairing file, creating it (with a fresh secret) when it does not exist. */
  static open(file: string): PairingStore {
    let text: string | null = null;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new BridgeError(ErrorCode.INTERNAL_ERROR, `Cannot read the pairing file ${file}: ${(e as Error).message}`);
      }
    }
    if (text === null) {
      const data: PairingFile = { version: 1, secret: bytesToBase64(randomBytes(32)), createdAt: new Date().toISOString(), origins: [] };
      const store = new PairingStore(file, data, { fixedPermissions: false, created: true });
      store.save();
      return store;
    }
    let fixedPermissions = false;
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      // Someone widened it: narrow it back before using the secret (it may have leaked; `unpair --all`
      // with a new secret is the remedy, which the warning says).
      chmodSync(file, 0o600);
      fixedPermissions = true;
    }
    let parsed: PairingFile;
    try {
      parsed = JSON.parse(text) as PairingFile;
      if (
        parsed.version !== 1 ||
        typeof parsed.secret !== "string" ||
        base64ToBytes(parsed.secret).length !== 32 ||
        !Array.isArray(parsed.origins)
      ) {
        throw new Error("unexpected content");
      }
      parsed.origins = parsed.origins.filter((o) => o && typeof o.origin === "string" && isExtensionOrigin(o.origin));
    } catch (e) {
      throw new BridgeError(
        ErrorCode.INTERNAL_ERROR,
        `The pairing file ${file} is damaged (${(e as Error).message}). Remove it and pair the extension again.`,
      );
    }
    return new PairingStore(file, parsed, { fixedPermissions, created: false });
  }

  secret(): Uint8Array<ArrayBuffer> {
    return base64ToBytes(this.data.secret);
  }

  secretBase64(): string {
    return this.data.secret;
  }

  origins(): PairedOrigin[] {
    return this.data.origins.map((o) => ({ ...o }));
  }

  isPaired(origin: string): boolean {
    return this.data.origins.some((o) => o.origin === origin);
  }

  hasAnyPairing(): boolean {
    return this.data.origins.length > 0;
  }

  addOrigin(origin: string, via: PairedOrigin["via"]): void {
    if (!isExtensionOrigin(origin)) throw new BridgeError(ErrorCode.PAIRING_FAILED, "Only a moz-extension:// origin can be paired.");
    if (this.isPaired(origin)) return;
    this.data.origins.push({ origin, pairedAt: new Date().toISOString(), via });
    this.save();
  }

  /** Removes one origin, or all of them (and then renews the secret, so an old copy is useless). */
  remove(origin: string | "all"): number {
    const before = this.data.origins.length;
    if (origin === "all") {
      this.data.origins = [];
      this.data.secret = bytesToBase64(randomBytes(32));
    } else {
      this.data.origins = this.data.origins.filter((o) => o.origin !== origin);
    }
    this.save();
    return before - this.data.origins.length;
  }

  private save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, `${JSON.stringify(this.data, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      chmodSync(tmp, 0o600); // in case the umask made it wider than asked… it can only narrow, but be explicit
      renameSync(tmp, this.file);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {}
      throw e;
    }
  }
}
