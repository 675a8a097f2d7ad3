/**
 * Who the card says its holder is (parsed from the authentication certificate's subject) and the
 * PIN state: the static types of the protocol's schemas (shared/protocol/schemas.ts), narrowed
 * where the bridge knows more than the wire promises.
 */
import type { Static } from "@sinclair/typebox";
import type { CardIdentitySchema, PinStatusSchema } from "../protocol/schemas.ts";

/** The register an identifier comes from, by the first digit of the idNat (see docs/domain/mssante.md). */
export type IdType =
  | "ADELI" // 0
  | "ADELI_CABINET" // 1
  | "FINESS" // 3
  | "SIREN" // 4
  | "SIRET" // 5
  | "RPPS_CABINET" // 6
  | "RPPS" // 8
  | "UNKNOWN";

/**
 * The identity as the protocol carries it: all a client may rely on once a reply is validated.
 * Its idType is any string: a newer bridge may name a register this client does not know, and
 * the published JSON Schema has always said string.
 */
export type CardIdentityMessage = Static<typeof CardIdentitySchema>;

/** The identity as the bridge reads it from a card: its idType is one of the registers above. */
export type CardIdentity = Omit<CardIdentityMessage, "idType"> & { idType: IdType };

export type CardHolderKind = CardIdentityMessage["kind"];

/** PIN state as the token flags tell it; the bridge never sees the PIN itself. */
export type PinStatus = Static<typeof PinStatusSchema>;
export type PinState = PinStatus["state"];
