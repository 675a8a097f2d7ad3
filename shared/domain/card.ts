/**
 * Readers, cards and card models as both sides see them: the static types of the protocol's
 * schemas (shared/protocol/schemas.ts), where their fields are described.
 */
import type { Static } from "@sinclair/typebox";
import type { CardLayerStateSchema, CardModelSchema, ModuleInfoSchema, ReaderStateSchema } from "../protocol/schemas.ts";

/** A card model from the card database (bridge/card/cards.json). */
export type CardModel = Static<typeof CardModelSchema>;

export type ReaderState = Static<typeof ReaderStateSchema>;

export type CardLayerState = Static<typeof CardLayerStateSchema>;

/** Why the card layer cannot see cards, when it cannot. */
export type CardUnavailableReason = NonNullable<CardLayerState["unavailable"]>["reason"];

/** What Thunderbird needs to load the card: the pkcs11 manifest name and whether it is written. */
export type ModuleInfo = Static<typeof ModuleInfoSchema>;
