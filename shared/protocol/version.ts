/**
 * Protocol version and compatibility rule (docs/protocol.md):
 * - PROTOCOL_VERSION is an integer. Within one version, changes are additive only: new optional
 *   params, new result fields, new methods announced as capabilities, new notifications.
 *   Peers ignore result fields and notifications they do not know.
 * - Removing or changing the meaning of anything is a new version. The bridge serves every version
 *   in SUPPORTED_PROTOCOL_VERSIONS; the client sends the highest it knows in session.hello and the
 *   bridge answers with the version it will speak, or UNSUPPORTED_VERSION listing what it supports.
 */
export const PROTOCOL_VERSION = 2;
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1, 2];
/**
 * The oldest version the extension accepts from a bridge. Version 2 binds the port and the Host into
 * the proofs (a relay on another port cannot pass them); a v1 bridge's proofs do not, so the
 * extension refuses it and asks for the bridge to be updated rather than fall back (docs/protocol.md).
 */
export const MIN_BRIDGE_PROTOCOL_VERSION = 2;

/** Labels bound into the challenge-response proofs (domain separation between the two sides). */
export const PROOF_LABEL_CLIENT = "mss-bridge/v1/client-proof";
export const PROOF_LABEL_BRIDGE = "mss-bridge/v1/bridge-proof";
/** Version 2 proofs: they also bind the port and the Host the client connected to (and the bridge's `paired`). */
export const PROOF_LABEL_CLIENT_V2 = "mss-bridge/v2/client-proof";
export const PROOF_LABEL_BRIDGE_V2 = "mss-bridge/v2/bridge-proof";
export const PAIRING_LABEL = "mss-bridge/v1/pairing-code";
