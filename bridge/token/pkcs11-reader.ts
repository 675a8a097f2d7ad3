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
import { pickCardSlot, slotsOfReader, trimPkcs11, type CardSlotPick } from "./slot-match.ts";
import type { BoundReader, CertificateRead, TokenFlagsRead, TokenInfo } from "./worker-protocol.ts";

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

const trim = trimPkcs11;

type FoundCertificate = { der: Buffer; foundBy: CertificateRead["foundBy"] };

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

  private findAuthCertificate(session: Buffer): FoundCertificate | null {
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
    const key = this.find(
      session,
      [
        { type: CKA_CLASS, value: CKO_PRIVATE_KEY },
        { type: CKA_LABEL, value: CPS_AUTH_KEY_LABEL },
      ],
      1,
    )[0];
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

  /** Every slot with its names (CK_SLOT_INFO), token present or not. */
  private allSlots(): { slot: Buffer; description: string; manufacturer: string }[] {
    let slots: Buffer[];
    try {
      slots = this.p11.C_GetSlotList(false);
    } catch (e) {
      throw pkcs11Failure(e, "while listing the readers");
    }
    const out: { slot: Buffer; description: string; manufacturer: string }[] = [];
    for (const slot of slots) {
      try {
        const info = this.p11.C_GetSlotInfo(slot);
        out.push({ slot, description: info.slotDescription, manufacturer: info.manufacturerID });
      } catch (e) {
        const f = pkcs11Failure(e, "while listing the readers");
        if (f.code !== "CARD_REMOVED") throw f; // a reader unplugged meanwhile is simply not listed
      }
    }
    return out;
  }

  /** The slots among `slots` holding an initialised token (a card). */
  private initializedTokens(slots: Buffer[]): { slot: Buffer; label: string }[] {
    const out: { slot: Buffer; label: string }[] = [];
    for (const slot of slots) {
      try {
        const info = this.p11.C_GetTokenInfo(slot);
        if (info.flags & CKF_TOKEN_INITIALIZED) out.push({ slot, label: trim(info.label) });
      } catch (e) {
        const f = pkcs11Failure(e, "while reading the token");
        if (f.code !== "CARD_REMOVED") throw f; // no token in that slot
      }
    }
    return out;
  }

  /**
   * The tokens that may be the bound reader's card: those in the slots naming the reader when
   * some do (inBoundReader), else every initialised token. When there is none, the module is
   * re-initialised once and asked again: some modules (SoftHSM) only discover a token inserted
   * after C_Initialize that way.
   */
  private cardTokens(reader: BoundReader | undefined): { tokens: { slot: Buffer; label: string }[]; inBoundReader: boolean } {
    const scan = () => {
      const slots = this.allSlots();
      const mine = slotsOfReader(reader?.name, slots, reader?.others ?? []);
      const pool = mine.length > 0 ? mine.map((i) => slots[i]!) : slots;
      return { tokens: this.initializedTokens(pool.map((s) => s.slot)), inBoundReader: mine.length > 0 };
    };
    this.open();
    let found = scan();
    if (found.tokens.length === 0) {
      this.reset();
      this.open();
      found = scan();
    }
    if (found.tokens.length === 0) {
      throw new TokenFailure(
        "CARD_REMOVED",
        found.inBoundReader
          ? `The card's PKCS#11 module sees no card in "${reader!.name}". Insert the CPS card, or remove and re-insert it.`
          : NO_CARD_MESSAGE,
      );
    }
    return found;
  }

  /**
   * The bound reader's card: the token to read the identity AND the PIN state from (always the
   * same one; see slot-match.ts), with its certificate when it has one.
   */
  private cardToken(reader: BoundReader | undefined): { slot: Buffer; label: string; certificate: FoundCertificate | null } {
    const { tokens, inBoundReader } = this.cardTokens(reader);
    const certificates = new Map<number, FoundCertificate | null>();
    const certificateOf = (i: number): FoundCertificate | null => {
      if (!certificates.has(i))
        certificates.set(
          i,
          this.withSession(tokens[i]!.slot, (s) => this.findAuthCertificate(s)),
        );
      return certificates.get(i)!;
    };
    let pick: CardSlotPick;
    try {
      pick = pickCardSlot(tokens.length, inBoundReader, (i) => certificateOf(i) !== null);
    } catch (e) {
      throw pkcs11Failure(e, "while reading the certificate");
    }
    if (pick.kind === "none") throw new TokenFailure("CARD_REMOVED", NO_CARD_MESSAGE);
    if (pick.kind === "several") {
      throw new TokenFailure(
        "SEVERAL_CARDS",
        `${pick.count} cards are seen by the card's PKCS#11 module and it does not say which reader holds which, ` +
          `so the bridge cannot tell which one is ${reader ? `the card in "${reader.name}"` : "yours"}. ` +
          "Remove the other card; or, if it must stay, start the bridge with --reader NAME naming the CPS card's reader (mss-bridge status lists the readers).",
      );
    }
    const token = tokens[pick.index]!;
    return { ...token, certificate: pick.hasCertificate ? certificateOf(pick.index) : null };
  }

  /** The authentication certificate of the bound reader's card. */
  readCertificate(reader?: BoundReader): CertificateRead {
    const card = this.cardToken(reader);
    if (!card.certificate) {
      throw new TokenFailure(
        "CERTIFICATE_NOT_FOUND",
        `The card holds no authentication certificate ("${CPS_AUTH_CERT_LABEL}"). Is it a CPS card? Try removing and re-inserting it.`,
      );
    }
    return { der: card.certificate.der.toString("base64"), tokenLabel: card.label, foundBy: card.certificate.foundBy };
  }

  /** Flags of the token the identity comes from (the same slot as readCertificate's). */
  readTokenFlags(reader?: BoundReader): TokenFlagsRead {
    const card = this.cardToken(reader);
    try {
      return { flags: this.tokenFlags(card.slot), tokenLabel: card.label };
    } catch (e) {
      throw pkcs11Failure(e, "while reading the PIN state");
    }
  }

  listTokens(): TokenInfo[] {
    try {
      this.cardTokens(undefined); // rescans when no card is seen
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
          this.withSession(
            slot,
            (s) =>
              this.find(
                s,
                [
                  { type: CKA_CLASS, value: CKO_CERTIFICATE },
                  { type: CKA_LABEL, value: CPS_AUTH_CERT_LABEL },
                ],
                1,
              ).length > 0,
          );
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
