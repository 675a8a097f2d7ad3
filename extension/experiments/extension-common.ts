/**
 * Thunderbird's ExtensionCommon for every Experiment's parent script (one home: each Experiment's
 * privileged.ts passes its own typing of the parts it uses). A global in the Experiment's scope in
 * some Thunderbird versions, imported otherwise.
 */
declare const ChromeUtils: {
  importESModule(url: "resource://gre/modules/ExtensionCommon.sys.mjs"): { ExtensionCommon: unknown };
};
declare const ExtensionCommon: unknown;

export function extensionCommonOf<T>(): T {
  return ((typeof ExtensionCommon !== "undefined" && ExtensionCommon) ||
    ChromeUtils.importESModule("resource://gre/modules/ExtensionCommon.sys.mjs").ExtensionCommon) as T;
}
