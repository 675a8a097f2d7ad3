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
