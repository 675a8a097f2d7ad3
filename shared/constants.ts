/**
 * Names and numbers shared by the bridge, the extension and the tests.
 * Changing one of them is a protocol change: see docs/protocol.md.
 */

/** The extension's add-on id (manifest.json browser_specific_settings.gecko.id). */
export const ADDON_ID = "mssante-thunderbird@mss-bridge";

/** Name of the PKCS#11 native manifest Thunderbird loads the card's module from. */
export const PKCS11_MANIFEST_NAME = "mssante_cps";

/** Name of the native-messaging host used for pairing without a typed code. */
export const NATIVE_HOST_NAME = "mssante_bridge";

/** Default loopback port of the bridge's WebSocket (`--port` overrides). */
export const DEFAULT_PORT = 7431;

/** Environment variable overriding the bridge's data directory (like `--data-dir`). */
export const DATA_DIR_ENV = "MSS_BRIDGE_HOME";

/** Name used for the per-user data directory (env-paths). */
export const APP_DIR_NAME = "mss-bridge";

/** The WebSocket path the bridge serves. */
export const WS_PATH = "/mss/v1";

/**
 * How long the extension waits for the bridge's answer to a card operation (card.getIdentity,
 * card.getPinStatus, card.getModuleInfo, card.installModuleManifest). Longer than the bridge's worst
 * case with its default limits — the token layer's 15 s (limits.cardOperationTimeoutMs), then the
 * router's 5 s backstop — so a slow card (a first Cryptolib read, a new PKCS#11 child starting) is
 * answered by the bridge itself, with its own TIMEOUT error, instead of being cut short by the client.
 */
export const CARD_CALL_TIMEOUT_MS = 25_000;

/** The same for the bridge's other bounded operations (directory, discovery: limits.operationTimeoutMs, 30 s). */
export const BRIDGE_CALL_TIMEOUT_MS = 35_000;
