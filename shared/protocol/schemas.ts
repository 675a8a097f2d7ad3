/**
 * The protocol's messages, defined once with TypeBox: each definition is both a JSON Schema (the
 * bridge validates every incoming message with it, the extension validates every reply) and a
 * TypeScript type (Static<typeof X>). docs/protocol.md describes them for people.
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from "@sinclair/typebox";

// ---- building blocks ---------------------------------------------------------------------------

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/**
 * A union of string literals whose static type is that union (a plain `.map(Type.Literal)` would
 * widen it to string). Same JSON Schema as Type.Union of the Type.Literal of each value.
 */
const OneOf = <const T extends readonly string[]>(values: T): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;
/** Base64 of 32 random bytes. */
export const Nonce = Type.String({ pattern: "^[A-Za-z0-9+/]{43}=$" });
/** Hex HMAC-SHA256. */
export const Proof = Type.String({ pattern: "^[0-9a-f]{64}$" });
/** An e-mail address as typed (validated for shape, the domain may be Unicode). */
export const Address = Type.String({ minLength: 3, maxLength: 320, pattern: "^[^\\s@]+@[^\\s@]+$" });
/** idNat: prefix digit + register number (letters included: ADELI 2A/2B in Corsica), or an RPPS alone (11 digits). */
export const ID_NAT_PATTERN = "^[0-9][0-9A-Za-z]{1,29}$";
export const IdNat = Type.String({ pattern: ID_NAT_PATTERN });

/** A card model from the card database (bridge/card/cards.json). */
export const CardModelSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  family: Type.Union([Type.Literal("CPS3"), Type.Literal("CPS4")]),
  interface: Type.Union([Type.Literal("contact"), Type.Literal("contactless")]),
  /** The card can sign with RSA-PSS (needed for TLS 1.3 client authentication). */
  rsaPss: Type.Boolean(),
});

export const ReaderStateSchema = Type.Object({
  name: Type.String(),
  cardPresent: Type.Boolean(),
  /** ATR of the card in hex (upper case, no spaces), null when no card. */
  atr: Nullable(Type.String()),
  /** The matched model, null when no card or the ATR is unknown. */
  model: Nullable(CardModelSchema),
  /** True when a card is present but its ATR matches no known model. */
  unknownCard: Type.Boolean(),
});

export const CardLayerStateSchema = Type.Object({
  pcscAvailable: Type.Boolean(),
  readers: Type.Array(ReaderStateSchema),
  /** The reader the token is bound to (config `--reader`, or the one holding a known card). */
  boundReader: Nullable(Type.String()),
  /** A human-facing explanation when no usable card is present, else null. */
  unavailable: Nullable(
    Type.Object({
      // pcsc-unavailable: pcscd not running / not installed; module-unavailable: no PKCS#11
      // module for this card could be loaded.
      reason: OneOf(["pcsc-unavailable", "no-reader", "no-card", "unknown-card", "module-unavailable"]),
      message: Type.String(),
    }),
  ),
});

/** PIN state as the token flags tell it; the bridge never sees the PIN itself. */
export const PinStatusSchema = Type.Object({
  // ok; count-low: CKF_USER_PIN_COUNT_LOW, a wrong PIN was typed since the last good one;
  // final-try: CKF_USER_PIN_FINAL_TRY, one more wrong PIN blocks the card; locked:
  // CKF_USER_PIN_LOCKED, blocked, needs the unblocking code (PUK); to-be-changed:
  // CKF_USER_PIN_TO_BE_CHANGED; not-initialized: CKF_USER_PIN_INITIALIZED not set.
  state: OneOf(["ok", "count-low", "final-try", "locked", "to-be-changed", "not-initialized"]),
  /** The reader has a PIN pad (CKF_PROTECTED_AUTHENTICATION_PATH): the PIN is typed on it. */
  pinPad: Type.Boolean(),
});

/** Who the card says its holder is: parsed from the authentication certificate's subject. */
export const CardIdentitySchema = Type.Object({
  /** National identifier as written on the card, e.g. "810001234567" (8 + RPPS). */
  idNat: Type.String(),
  /** The register (shared/domain/identity.ts IdType); a plain string on the wire, see there. */
  idType: Type.String(),
  /** The register number without its prefix digit (RPPS for "8…"), or the idNat when unknown. */
  idNumber: Type.String(),
  /** personal: a CPS of a health professional; staff: a CPE/CPA (employee of a structure). */
  kind: Type.Union([Type.Literal("personal"), Type.Literal("staff")]),
  surname: Nullable(Type.String()),
  givenName: Nullable(Type.String()),
  /** Profession (`title` of the subject), e.g. "Médecin". */
  profession: Nullable(Type.String()),
  /** Structure of a staff card (`OU`). */
  structure: Nullable(Type.String()),
  /** Certificate validity, ISO 8601. */
  notBefore: Type.String(),
  notAfter: Type.String(),
  /** Issuer's common name, e.g. "AC IGC-SANTE FORT PERSONNES". */
  issuer: Type.String(),
  /** Certificate serial number (hex). */
  certificateSerial: Type.String(),
  /** SHA-256 fingerprint of the certificate (hex, lower case), how servers map the card. */
  certificateSha256: Type.String(),
});

export const PlaceSchema = Type.Object({
  organisation: Nullable(Type.String()),
  city: Nullable(Type.String()),
  postalCode: Nullable(Type.String()),
});

/** One MSSanté mailbox as the directory describes it (one result per address). */
export const DirectoryEntrySchema = Type.Object({
  email: Type.String(),
  displayName: Type.String(),
  surname: Nullable(Type.String()),
  givenName: Nullable(Type.String()),
  civility: Nullable(Type.String()),
  profession: Nullable(Type.String()),
  specialty: Nullable(Type.String()),
  organisation: Nullable(Type.String()),
  service: Nullable(Type.String()),
  city: Nullable(Type.String()),
  postalCode: Nullable(Type.String()),
  type: Type.Union([Type.Literal("PER"), Type.Literal("ORG"), Type.Literal("APP"), Type.Literal("CAB")]),
  idNat: Nullable(Type.String()),
  places: Type.Array(PlaceSchema),
  /**
   * "live": from ANS's FHIR API (directory.searchLive, directory.lookupLive), not from the offline
   * directory. Absent: the offline directory (or LDAP). Added within version 2.
   */
  source: Type.Optional(Type.Union([Type.Literal("offline"), Type.Literal("live")])),
});

/**
 * The live complement's answer state. "ok": the API answered (results may be empty); "off": no API
 * key configured; "too-short": fewer characters than the configured minimum, nothing sent;
 * "offline-hit": the offline directory found something, nothing sent; "superseded": a newer query
 * arrived during the debounce, nothing sent; "rate-limited": this bridge's share of the API's calls
 * per second is spent, or the API answered 429 (`retryAfterMs`); "unauthorized": the API refused the
 * key (401/403); "unreachable": no answer in time, a network error or a 5xx.
 */
export const LiveStateSchema = Type.Union([
  Type.Literal("ok"),
  Type.Literal("off"),
  Type.Literal("too-short"),
  Type.Literal("offline-hit"),
  Type.Literal("superseded"),
  Type.Literal("rate-limited"),
  Type.Literal("unauthorized"),
  Type.Literal("unreachable"),
]);

export const DirectoryStatusSchema = Type.Object({
  /** "offline" index or "ldap" source. */
  source: Type.Union([Type.Literal("offline"), Type.Literal("ldap"), Type.Literal("none")]),
  /** Date of the national extraction the index was built from (ISO 8601), null if unknown. */
  sourceDate: Nullable(Type.String()),
  /** When the index was built (ISO 8601). */
  builtAt: Nullable(Type.String()),
  /** Number of mailboxes (addresses) in the index. */
  count: Type.Integer({ minimum: 0 }),
  /** Age of the source in days. */
  ageDays: Nullable(Type.Number()),
  /** The index is older than a week. */
  stale: Type.Boolean(),
});

export const ServerTargetSchema = Type.Object({
  service: Type.Union([Type.Literal("imap"), Type.Literal("submission")]),
  host: Type.String(),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  priority: Type.Integer(),
  weight: Type.Integer(),
  /** Pro Santé Connect front (priority 10) or certificate front (priority 20), per Référentiel #2. */
  front: Type.Union([Type.Literal("psc"), Type.Literal("certificate")]),
  source: Type.Union([Type.Literal("srv"), Type.Literal("override")]),
  /** False when the target lies outside the address's domain and the trust space: ask the user. */
  confirmed: Type.Boolean(),
});

/**
 * A card login's servers and Thunderbird auth methods (nsMsgAuthMethod, 7 = External), chosen by
 * the bridge with its operator policies (config discovery.policies). Auth methods 1..10.
 */
export const CardLoginSchema = Type.Object({
  /** The policy's front for the card (default: the certificate front). */
  front: Type.Union([Type.Literal("psc"), Type.Literal("certificate")]),
  /** Per service, the first target on that front, confirmed ones first; null when there is none. */
  imap: Nullable(ServerTargetSchema),
  submission: Nullable(ServerTargetSchema),
  imapAuthMethod: Type.Integer({ minimum: 1, maximum: 10 }),
  smtpAuthMethod: Type.Integer({ minimum: 1, maximum: 10 }),
  /**
   * The IMAP user name the card login uses, which Thunderbird sends as the SASL EXTERNAL
   * authorisation id: the mailbox address or the card's idNat (with no user name Thunderbird 153
   * sends no AUTHENTICATE at all, so there is no "none"). Added within version 1: absent from an
   * older bridge, which means "address" (what the extension configured before it).
   */
  loginName: Type.Optional(Type.Union([Type.Literal("address"), Type.Literal("idNat")])),
});

export const TrustDecisionSchema = Type.Object({
  address: Type.String(),
  /** The address's domain in ASCII (IDNA) form. */
  domain: Type.String(),
  verdict: Type.Union([Type.Literal("trusted"), Type.Literal("untrusted"), Type.Literal("unknown")]),
  /** Date of the whitelist the decision was made with (ISO 8601), null if none is loaded. */
  listDate: Nullable(Type.String()),
});

/**
 * The loaded list, never empty: with no list the bridge answers TRUST_LIST_UNAVAILABLE. testOnly:
 * a test/demo list (clients must not keep it as their saved copy of the real trust space).
 */
export const TrustListSchema = Type.Object({
  domains: Type.Array(Type.String(), { minItems: 1 }),
  date: Nullable(Type.String()),
  testOnly: Type.Boolean(),
});

/**
 * targets: everything found. cardLogin: what a card login uses, per the bridge's operator
 * policies. Optional only because bridges before it (same protocol version) do not send it; this
 * bridge always does, and the extension's setup stops (update the bridge) without it.
 */
/**
 * A Pro Santé Connect login (Référentiel #2 ECO.1.2.1): the PSC front's servers, OAuth2 (10) for
 * both, the card's idNat as user name (the token's preferred_username), and the OAuth2 provider
 * Thunderbird registers (null: the bridge's configuration has no PSC client id yet).
 */
export const PscLoginSchema = Type.Object({
  imap: Nullable(ServerTargetSchema),
  submission: Nullable(ServerTargetSchema),
  provider: Nullable(
    Type.Object({
      issuer: Type.String(),
      issuerIdentifier: Type.String(),
      clientId: Type.String(),
      authorizationEndpoint: Type.String(),
      tokenEndpoint: Type.String(),
      redirectionEndpoint: Type.String(),
      usePKCE: Type.Literal(true),
      scopes: Type.String(),
      hostnames: Type.Array(Type.String()),
    }),
  ),
});

export const DiscoverySchema = Type.Object({
  targets: Type.Array(ServerTargetSchema),
  cardLogin: Type.Optional(CardLoginSchema),
  /** Present when the operator policy's login is "psc": the setup page then configures PSC, not the card. */
  pscLogin: Type.Optional(PscLoginSchema),
});

/** What Thunderbird needs to load the card: the pkcs11 manifest name and whether it is written. */
export const ModuleInfoSchema = Type.Object({
  manifestName: Type.String(),
  manifestInstalled: Type.Boolean(),
  /** Module file exists on this machine (Cryptolib CPS or the configured one). */
  moduleAvailable: Type.Boolean(),
  moduleDescription: Type.String(),
});

export const SearchOutcomeSchema = Type.Object({
  results: Type.Array(DirectoryEntrySchema),
  /** Matching used fields other than name and e-mail (city, specialty, …). */
  matchedOtherFields: Type.Boolean(),
  /** The typo-tolerant pass was used. */
  fuzzy: Type.Boolean(),
});

const Empty = Type.Object({}, { additionalProperties: false });
const Ok = Type.Object({ ok: Type.Literal(true) });

// ---- methods -----------------------------------------------------------------------------------

/**
 * Every method: params schema (additional properties refused), result schema, and whether it
 * answers before the connection is authenticated. Nothing here takes a file path, a URL, a module
 * path or a PIN: those come only from the bridge's own configuration and command line.
 */
export const Methods = {
  // Handshake and authentication (pre-auth).
  "session.hello": {
    preAuth: true,
    params: Type.Object(
      {
        protocolVersion: Type.Integer({ minimum: 1, maximum: 1000 }),
        clientNonce: Nonce,
        client: Type.Optional(Type.String({ maxLength: 100 })),
        /**
         * The id of the per-launch credential the native-messaging host handed over: the proofs then
         * use that credential instead of the pairing secret. Absent: the pairing secret (code pairing).
         */
        launch: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{22}$" })),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({
      protocolVersion: Type.Integer(),
      bridgeVersion: Type.String(),
      capabilities: Type.Array(Type.String()),
      demo: Type.Boolean(),
      /** This connection's Origin is paired: the bridge can prove the secret and expects a proof. */
      paired: Type.Boolean(),
      bridgeNonce: Nonce,
      /**
       * Version 2: HMAC(secret, PROOF_LABEL_BRIDGE_V2 | clientNonce | bridgeNonce | origin | port | host | paired),
       * always given. Version 1: HMAC(secret, PROOF_LABEL_BRIDGE | clientNonce | bridgeNonce | origin); null when not paired.
       */
      bridgeProof: Nullable(Proof),
    }),
  },
  "session.authenticate": {
    preAuth: true,
    params: Type.Object(
      {
        /**
         * Version 2: HMAC(secret, PROOF_LABEL_CLIENT_V2 | bridgeNonce | clientNonce | origin | port | host).
         * Version 1: HMAC(secret, PROOF_LABEL_CLIENT | bridgeNonce | clientNonce | origin).
         */
        clientProof: Proof,
      },
      { additionalProperties: false },
    ),
    result: Type.Object({ authenticated: Type.Literal(true) }),
  },
  // Pairing with a code shown by `mss-bridge pair` (fallback when native messaging is missing).
  "pairing.begin": {
    preAuth: true,
    params: Empty,
    result: Type.Object({ pairingNonce: Nonce }),
  },
  "pairing.complete": {
    preAuth: true,
    params: Type.Object(
      {
        clientNonce: Nonce,
        /** HMAC(code, PAIRING_LABEL | pairingNonce | clientNonce | origin). */
        proof: Proof,
      },
      { additionalProperties: false },
    ),
    result: Type.Object({
      /** The per-installation secret, AES-256-GCM encrypted under HKDF(code, nonces): base64 iv|ct|tag. */
      sealedSecret: Type.String({ maxLength: 1000 }),
      port: Type.Integer(),
    }),
  },

  // Bridge and card.
  "bridge.status": {
    preAuth: false,
    params: Empty,
    result: Type.Object({
      bridgeVersion: Type.String(),
      demo: Type.Boolean(),
      uptimeSeconds: Type.Number(),
      /** The bridge's process id (added within version 2: absent from an older bridge). */
      pid: Type.Optional(Type.Integer({ minimum: 1 })),
      /** "hosted": started by Thunderbird through the native-messaging host; "service": `mss-bridge start`. */
      lifecycle: Type.Optional(Type.Union([Type.Literal("hosted"), Type.Literal("service")])),
      card: CardLayerStateSchema,
      directory: DirectoryStatusSchema,
    }),
  },
  "card.getState": { preAuth: false, params: Empty, result: CardLayerStateSchema },
  "card.getIdentity": { preAuth: false, params: Empty, result: CardIdentitySchema },
  "card.getPinStatus": { preAuth: false, params: Empty, result: PinStatusSchema },
  "card.getModuleInfo": { preAuth: false, params: Empty, result: ModuleInfoSchema },
  /** Writes the `mssante_cps` pkcs11 manifest for the configured module (never a path from the client). */
  "card.installModuleManifest": { preAuth: false, params: Empty, result: Ok },

  // Directory.
  "directory.search": {
    preAuth: false,
    params: Type.Object(
      {
        query: Type.String({ maxLength: 200 }),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      },
      { additionalProperties: false },
    ),
    result: SearchOutcomeSchema,
  },
  "directory.lookupByIdNat": {
    preAuth: false,
    params: Type.Object({ idNat: IdNat }, { additionalProperties: false }),
    result: Type.Object({ entries: Type.Array(DirectoryEntrySchema) }),
  },
  "directory.lookupByAddress": {
    preAuth: false,
    params: Type.Object({ address: Address }, { additionalProperties: false }),
    result: Type.Object({ entry: Nullable(DirectoryEntrySchema) }),
  },
  /**
   * The live complement (ANS's FHIR API) for a query the offline directory does not find: answered
   * after a debounce, from a cache, or with a state saying why nothing was asked (docs/protocol.md §5).
   */
  "directory.searchLive": {
    preAuth: false,
    params: Type.Object(
      {
        query: Type.String({ maxLength: 200 }),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      },
      { additionalProperties: false },
    ),
    result: Type.Object({
      results: Type.Array(DirectoryEntrySchema),
      state: LiveStateSchema,
      retryAfterMs: Nullable(Type.Integer({ minimum: 0 })),
    }),
  },
  /** The live complement for an address the offline directory does not know. */
  "directory.lookupLive": {
    preAuth: false,
    params: Type.Object({ address: Address }, { additionalProperties: false }),
    result: Type.Object({
      entry: Nullable(DirectoryEntrySchema),
      state: LiveStateSchema,
      retryAfterMs: Nullable(Type.Integer({ minimum: 0 })),
    }),
  },
  "directory.status": { preAuth: false, params: Empty, result: DirectoryStatusSchema },
  /** Starts an import from the bridge's configured source; progress arrives as notifications. */
  "directory.import": { preAuth: false, params: Empty, result: Type.Object({ started: Type.Literal(true) }) },

  // Trust space and discovery.
  "trust.check": {
    preAuth: false,
    params: Type.Object({ address: Address }, { additionalProperties: false }),
    result: TrustDecisionSchema,
  },
  "trust.list": { preAuth: false, params: Empty, result: TrustListSchema },
  "discovery.discover": {
    preAuth: false,
    params: Type.Object({ address: Address }, { additionalProperties: false }),
    result: DiscoverySchema,
  },
} as const;

export type MethodName = keyof typeof Methods;
export type Params<M extends MethodName> = Static<(typeof Methods)[M]["params"]>;
export type Result<M extends MethodName> = Static<(typeof Methods)[M]["result"]>;

export const PRE_AUTH_METHODS: readonly MethodName[] = (Object.keys(Methods) as MethodName[]).filter((m) => Methods[m].preAuth);

// ---- notifications (bridge → extension, authenticated connections only) ----------------------

export const Notifications = {
  /** Any change of readers or cards (inserted, removed, reader added or gone, pcscd down/up). */
  "card.changed": Type.Object({
    event: OneOf(["inserted", "removed", "reader-added", "reader-removed", "pcsc-down", "pcsc-up"]),
    reader: Nullable(Type.String()),
    state: CardLayerStateSchema,
  }),
  "directory.importProgress": Type.Object({
    phase: OneOf(["download", "parse", "index", "done", "failed"]),
    /** Bytes or lines done / total, when known. */
    done: Type.Number(),
    total: Nullable(Type.Number()),
    message: Nullable(Type.String()),
  }),
} as const;

export type NotificationName = keyof typeof Notifications;
export type NotificationParams<N extends NotificationName> = Static<(typeof Notifications)[N]>;
