/**
 * Protocol version and compatibility rule (docs/protocol.md):
 * - PROTOCOL_VERSION is an integer. Within one version, changes are additive only: new optional
 *   params, new result fields, new methods announced as capabilities, new notifications.
 *   Peers ignore result fields and notifications they do not know.
 * - Removing or changing the meaning of anything is a new version. The bridge serves every version
 *   in SUPPORTED_PROTOCOL_VERSIONS; the client sends the highest it knows in session.hello and the
 *   bridge answers with the version it will speak, or UNSUPPORTED_VERSION listing what it supports.
 */
export const PROTOCOL_VERSION = 1;
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];

/** Labels bound into the challenge-response proofs (domain separation between the two sides). */
export const PROOF_LABEL_CLIENT = "mss-bridge/v1/client-proof";
export const PROOF_LABEL_BRIDGE = "mss-bridge/v1/bridge-proof";
export const PAIRING_LABEL = "mss-bridge/v1/pairing-code";
