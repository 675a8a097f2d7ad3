/**
 * What every package is made from, read once for deb.mjs, msi.mjs and macos-payload.mjs: the
 * version (package.json), the names both programs share (shared/constants.ts, imported as it is:
 * Node runs its TypeScript), and Cryptolib CPS's module path per platform from the card database
 * (bridge/card/cards.json), which is what the PKCS#11 manifests point at.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { ADDON_ID, NATIVE_HOST_NAME, PKCS11_MANIFEST_NAME } from "../../shared/constants.ts";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
export { ADDON_ID, NATIVE_HOST_NAME, PKCS11_MANIFEST_NAME };

const cards = JSON.parse(readFileSync(path.join(root, "bridge", "card", "cards.json"), "utf8"));

/** Cryptolib CPS's module path on `platform` ("linux", "darwin", "win32-x64"), as cards.json names it. */
export function cryptolibPath(platform) {
  const p = cards.modules.find((m) => m.id === "cryptolib-cps")?.paths?.[platform]?.[0];
  if (!p) throw new Error(`bridge/card/cards.json names no Cryptolib CPS module for ${platform}`);
  return p;
}
