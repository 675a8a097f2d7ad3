/** Readers, cards and card models as both sides see them. */

export type CardFamily = "CPS3" | "CPS4";
export type CardInterface = "contact" | "contactless";

/** A card model from the card database (bridge/card/cards.json). */
export interface CardModel {
  id: string;
  name: string;
  family: CardFamily;
  interface: CardInterface;
  /** The card can sign with RSA-PSS (needed for TLS 1.3 client authentication). */
  rsaPss: boolean;
}

export interface ReaderState {
  name: string;
  cardPresent: boolean;
  /** ATR of the card in hex (upper case, no spaces), null when no card. */
  atr: string | null;
  /** The matched model, null when no card or the ATR is unknown. */
  model: CardModel | null;
  /** True when a card is present but its ATR matches no known model. */
  unknownCard: boolean;
}

/** Why the card layer cannot see cards, when it cannot. */
export type CardUnavailableReason =
  | "pcsc-unavailable" // pcscd not running / not installed
  | "no-reader"
  | "no-card"
  | "unknown-card"
  | "module-unavailable"; // no PKCS#11 module for this card could be loaded

export interface CardLayerState {
  pcscAvailable: boolean;
  readers: ReaderState[];
  /** The reader the token is bound to (config `--reader`, or the one holding a known card). */
  boundReader: string | null;
  /** A human-facing explanation when no usable card is present, else null. */
  unavailable: { reason: CardUnavailableReason; message: string } | null;
}
