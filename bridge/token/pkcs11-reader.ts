/**
 * Reading a PKCS#11 token without login, with pkcs11js: token list and flags, the authentication
 * certificate. No login and no sign operation exist here: the bridge never handles a PIN
 * (Thunderbird's NSS does). Synchronous native calls: run it in the token child process
 * (token-worker.ts), or in-process only for the benchmark (direct-read.ts).
 */
import pkcs11js from "pkcs11js";
import type { ErrorCodeName } from "../../shared/protocol/errors.ts";
import {
  CKA_CLASS,
  CKA_CERTIFICATE_TYPE,
  CKA_ID,
  CKA_LABEL,
  CKA_VALUE,
  CKC_X_509,
  CKF_HW_SLOT,
  CKF_REMOVABLE_DEVICE,
  CKF_SERIAL_SESSION,
  CKF_TOKEN_INITIALIZED,
  CKM_RSA_PKCS_PSS,
  CKO_CERTIFICATE,
  CKO_PRIVATE_KEY,
} from "./pkcs11-flags.ts";
import { applyFakeFlags, type Pkcs11TestFake } from "./pkcs11-test-fake.ts";
import type { CertificateRead, TokenFlagsRead, TokenInfo } from "./worker-protocol.ts";

export const CPS_AUTH_CERT_LABEL = "Certificat d'Authentification CPS";
export const CPS_AUTH_KEY_LABEL = "CPS_PRIV_AUT";

/** An error the bridge maps to a BridgeError code. */
export class TokenFailure extends Error {
  constructor(
    readonly code: ErrorCodeName,
    message: string,
  ) {
    super(message);
  }
}

// PKCS#11 return values meaning "the card is gone" (pulled mid-operation or never there).
const REMOVED = new Set([
  "CKR_TOKEN_NOT_PRESENT",
  "CKR_DEVICE_REMOVED",
  "CKR_SLOT_ID_INVALID",
  "CKR_TOKEN_NOT_RECOGNIZED",
  "CKR_SESSION_HANDLE_INVALID",
  "CKR_SESSION_CLOSED",
]);

const NO_CARD_MESSAGE = "No card in the reader (the PKCS#11 module shows no initialised token). Insert the CPS card.";

const trim = (s: string) => s.replace(/[\s\0]+$/, "");

/** Maps an exception thrown by a PKCS#11 call to a TokenFailure. */
export function pkcs11Failure(e: unknown, during: string): TokenFailure {
  if (e instanceof TokenFailure) return e;
  const message = e instanceof Error ? e.message : String(e);
  const ckr = /CKR_[A-Z_]+/.exec(message)?.[0];
  if (ckr && REMOVED.has(ckr)) return new TokenFailure("CARD_REMOVED", `The card was removed ${during} (${ckr}). Insert it again.`);
  return new TokenFailure(
    "TOKEN_ERROR",
    `The card's PKCS#11 module failed ${during}${ckr ? ` (${ckr})` : `: ${message}`}. Remove and re-insert the card; if it persists, reinstall Cryptolib CPS.`,
  );
}

/** Everything the token child does with a loaded module. */
export class Pkcs11Reader {
  private readonly p11: pkcs11js.PKCS11;
  private loaded = false;
  private initialized = false;

  constructor(
    private readonly modulePath: string,
    private readonly fake?: Pkcs11TestFake,
  ) {
    this.p11 = new pkcs11js.PKCS11();
  }

  /** Loads and initialises the module once; a failure is MODULE_UNAVAILABLE and is retried next time. */
  open(): void {
    if (this.initialized) return;
    if (!this.loaded) {
      try {
        this.p11.load(this.modulePath);
      } catch (e) {
        throw new TokenFailure(
          "MODULE_UNAVAILABLE",
          `The PKCS#11 module ${this.modulePath} could not be loaded (${e instanceof Error ? e.message : String(e)}). ` +
            "Install Cryptolib CPS (ANS), or point the bridge at the card's module with --module PATH.",
        );
      }
      this.loaded = true;
    }
    try {
      this.p11.C_Initialize();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (!msg.includes("CKR_CRYPTOKI_ALREADY_INITIALIZED")) {
        throw new TokenFailure(
          "MODULE_UNAVAILABLE",
          `The PKCS#11 module ${this.modulePath} failed to initialise (${msg}). Reinstall Cryptolib CPS or fix --module.`,
        );
      }
    }
    this.initialized = true;
  }

  /**
   * C_Finalize then C_Initialize on the next call: after a reader was unplugged or the token
   * vanished, some modules (SoftHSM among them) answer CKR_GENERAL_ERROR until re-initialised.
   */
  reset(): void {
    if (!this.initialized) return;
    this.initialized = false;
    try {
      this.p11.C_Finalize();
    } catch {
      /* re-initialised next time anyway */
    }
  }

  /** Finalizes and unloads the module. */
  close(): void {
    this.reset();
    if (!this.loaded) return;
    this.loaded = false;
    try {
      this.p11.close();
    } catch {
      /* closing anyway */
    }
  }

  /** Runs a read; on a module error, re-initialises the module and tries once more. */
  withRecovery<T>(read: () => T): T {
    try {
      return read();
    } catch (e) {
      if (!(e instanceof TokenFailure) || e.code !== "TOKEN_ERROR") throw e;
      this.reset();
      return read();
    }
  }

  /** Slots holding a token, present ones only. */
  private slots(): Buffer[] {
    try {
      return this.p11.C_GetSlotList(true);
    } catch (e) {
      throw pkcs11Failure(e, "while listing the readers");
    }
  }

  private tokenFlags(slot: Buffer): number {
    return applyFakeFlags(this.p11.C_GetTokenInfo(slot).flags, this.fake);
  }

  private withSession<T>(slot: Buffer, fn: (session: Buffer) => T): T {
    // Read-only, public session: no login, ever.
    const session = this.p11.C_OpenSession(slot, CKF_SERIAL_SESSION);
    try {
      return fn(session);
    } finally {
      try {
        this.p11.C_CloseSession(session);
      } catch {
        /* the card may be gone */
      }
    }
  }

  private find(session: Buffer, template: pkcs11js.Template, max = 16): Buffer[] {
    this.p11.C_FindObjectsInit(session, template);
    try {
      return this.p11.C_FindObjects(session, max);
    } finally {
      this.p11.C_FindObjectsFinal(session);
    }
  }

  private attribute(session: Buffer, object: Buffer, type: number): Buffer | undefined {
    const [attr] = this.p11.C_GetAttributeValue(session, object, [{ type }]);
    return attr?.value instanceof Buffer ? attr.value : undefined;
  }

  private findAuthCertificate(session: Buffer): { der: Buffer; foundBy: CertificateRead["foundBy"] } | null {
    const x509 = [
      { type: CKA_CLASS, value: CKO_CERTIFICATE },
      { type: CKA_CERTIFICATE_TYPE, value: CKC_X_509 },
    ];
    const byLabel = this.find(session, [...x509, { type: CKA_LABEL, value: CPS_AUTH_CERT_LABEL }], 1)[0];
    if (byLabel) {
      const der = this.attribute(session, byLabel, CKA_VALUE);
      if (der) return { der, foundBy: "label" };
    }
    // Some middleware labels certificates differently but shows the key object before login.
    const key = this.find(session, [{ type: CKA_CLASS, value: CKO_PRIVATE_KEY }, { type: CKA_LABEL, value: CPS_AUTH_KEY_LABEL }], 1)[0];
    const keyId = key ? this.attribute(session, key, CKA_ID) : undefined;
    if (keyId && keyId.length > 0) {
      const byId = this.find(session, [...x509, { type: CKA_ID, value: keyId }], 1)[0];
      const der = byId ? this.attribute(session, byId, CKA_VALUE) : undefined;
      if (der) return { der, foundBy: "key-id" };
    }
    const any = this.find(session, x509, 1)[0];
    const der = any ? this.attribute(session, any, CKA_VALUE) : undefined;
    return der ? { der, foundBy: "first-certificate" } : null;
  }

  private initializedSlots(): { slot: Buffer; label: string }[] {
    const out: { slot: Buffer; label: string }[] = [];
    for (const slot of this.slots()) {
      try {
        const info = this.p11.C_GetTokenInfo(slot);
        if (info.flags & CKF_TOKEN_INITIALIZED) out.push({ slot, label: trim(info.label) });
      } catch (e) {
        const f = pkcs11Failure(e, "while reading the token");
        if (f.code !== "CARD_REMOVED") throw f;
      }
    }
    return out;
  }

  /**
   * Initialised tokens; when there is none, the module is re-initialised once and asked again:
   * some modules (SoftHSM) only discover a token inserted after C_Initialize that way.
   */
  private cardTokens(): { slot: Buffer; label: string }[] {
    this.open();
    let tokens = this.initializedSlots();
    if (tokens.length === 0) {
      this.reset();
      this.open();
      tokens = this.initializedSlots();
    }
    if (tokens.length === 0) throw new TokenFailure("CARD_REMOVED", NO_CARD_MESSAGE);
    return tokens;
  }

  /** The authentication certificate of the first initialised token that has one. */
  readCertificate(): CertificateRead {
    const tokens = this.cardTokens();
    try {
      for (const { slot, label } of tokens) {
        const found = this.withSession(slot, (s) => this.findAuthCertificate(s));
        if (found) return { der: found.der.toString("base64"), tokenLabel: label, foundBy: found.foundBy };
      }
    } catch (e) {
      throw pkcs11Failure(e, "while reading the certificate");
    }
    throw new TokenFailure(
      "CERTIFICATE_NOT_FOUND",
      `The card holds no authentication certificate ("${CPS_AUTH_CERT_LABEL}"). Is it a CPS card? Try removing and re-inserting it.`,
    );
  }

  /** Flags of the token the identity comes from (the first one with the CPS certificate, else the first). */
  readTokenFlags(): TokenFlagsRead {
    const tokens = this.cardTokens();
    try {
      const chosen =
        tokens.find(({ slot }) => this.withSession(slot, (s) => this.find(s, [{ type: CKA_LABEL, value: CPS_AUTH_CERT_LABEL }], 1).length > 0)) ??
        tokens[0]!;
      return { flags: this.tokenFlags(chosen.slot), tokenLabel: chosen.label };
    } catch (e) {
      throw pkcs11Failure(e, "while reading the PIN state");
    }
  }

  listTokens(): TokenInfo[] {
    try {
      this.cardTokens(); // rescans when no card is seen
    } catch (e) {
      if (!(e instanceof TokenFailure) || e.code !== "CARD_REMOVED") throw e;
    }
    const out: TokenInfo[] = [];
    for (const slot of this.slots()) {
      try {
        const si = this.p11.C_GetSlotInfo(slot);
        const ti = this.p11.C_GetTokenInfo(slot);
        const initialized = (ti.flags & CKF_TOKEN_INITIALIZED) !== 0;
        let rsaPss = false;
        try {
          rsaPss = this.p11.C_GetMechanismList(slot).includes(CKM_RSA_PKCS_PSS);
        } catch {
          /* some middleware refuses before the card is ready: report no PSS */
        }
        const hasAuthCertificate =
          initialized &&
          this.withSession(slot, (s) => this.find(s, [{ type: CKA_CLASS, value: CKO_CERTIFICATE }, { type: CKA_LABEL, value: CPS_AUTH_CERT_LABEL }], 1).length > 0);
        out.push({
          slotId: slot.toString("hex"),
          slotDescription: trim(si.slotDescription),
          slotManufacturer: trim(si.manufacturerID),
          removable: (si.flags & CKF_REMOVABLE_DEVICE) !== 0,
          hardwareSlot: (si.flags & CKF_HW_SLOT) !== 0,
          label: trim(ti.label),
          manufacturer: trim(ti.manufacturerID),
          model: trim(ti.model),
          serialNumber: trim(ti.serialNumber),
          flags: applyFakeFlags(ti.flags, this.fake),
          initialized,
          rsaPss,
          hasAuthCertificate,
        });
      } catch (e) {
        const f = pkcs11Failure(e, "while listing the tokens");
        if (f.code !== "CARD_REMOVED") throw f; // a card pulled meanwhile is simply not listed
      }
    }
    return out;
  }
}

