/**
 * What a paired client is: a Thunderbird extension, known by its `moz-extension://` origin. Used by
 * the pairing store (only such origins are stored), the HTTP upgrade checks and the commands.
 */

/** `moz-extension://` + the per-installation UUID Thunderbird assigns (lower-case hex). */
const EXTENSION_ORIGIN = /^moz-extension:\/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isExtensionOrigin(origin: string): boolean {
  return EXTENSION_ORIGIN.test(origin);
}
