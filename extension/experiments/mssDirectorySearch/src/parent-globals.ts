/**
 * What the shared protocol code takes from a page's global scope and Thunderbird's Experiment scope
 * lacks (its global is a sandbox with ChromeUtils only): timers, Web Crypto, TextEncoder, base64.
 * scripts/build-experiment.mjs injects these into this Experiment's bundle in place of the globals
 * (esbuild `inject`, `globalThis.crypto` through `define`), so Thunderbird's shared scope is left as
 * it is. Web Crypto and the encoders come from a sandbox of their own (system principal).
 */
declare const ChromeUtils: {
  importESModule(url: "resource://gre/modules/Timer.sys.mjs"): {
    setTimeout: typeof globalThis.setTimeout;
    clearTimeout: typeof globalThis.clearTimeout;
  };
};
declare const Cu: { Sandbox(principal: unknown, options: { wantGlobalProperties: string[] }): Record<string, unknown> };
declare const Services: { scriptSecurityManager: { getSystemPrincipal(): unknown } };

const timers = ChromeUtils.importESModule("resource://gre/modules/Timer.sys.mjs");
const scope = Cu.Sandbox(Services.scriptSecurityManager.getSystemPrincipal(), {
  wantGlobalProperties: ["crypto", "TextEncoder", "TextDecoder", "atob", "btoa"],
});

export const setTimeout = timers.setTimeout;
export const clearTimeout = timers.clearTimeout;
export const parentCrypto = scope.crypto as Crypto;
export const TextEncoder = scope.TextEncoder as typeof globalThis.TextEncoder;
export const TextDecoder = scope.TextDecoder as typeof globalThis.TextDecoder;
export const atob = scope.atob as typeof globalThis.atob;
export const btoa = scope.btoa as typeof globalThis.btoa;
