/**
 * Everything that touches Thunderbird's privileged globals for this Experiment, typed by hand with
 * only what is used: the compose windows (ExtensionSupport's window listener), their recipient
 * fields, and the autocomplete preferences.
 */
import { extensionCommonOf } from "../../extension-common.ts";
import type { AutocompletePrefs } from "./search-delay.ts";

interface ExtensionCommonLike {
  ExtensionAPI: new (extension: unknown) => { extension: unknown };
}

/** A compose window, the parts used. */
export interface ComposeWindow {
  document: Document;
  MutationObserver: typeof MutationObserver;
}

declare const ChromeUtils: {
  importESModule(url: "resource:///modules/ExtensionSupport.sys.mjs"): {
    ExtensionSupport: {
      registerWindowListener(
        id: string,
        hook: { chromeURLs: string[]; onLoadWindow(w: ComposeWindow): void; onUnloadWindow(w: ComposeWindow): void },
      ): boolean;
      unregisterWindowListener(id: string): boolean;
    };
  };
};
declare const Services: {
  prefs: {
    getBoolPref(name: string, defaultValue: boolean): boolean;
    getCharPref(name: string, defaultValue: string): string;
    getChildList(root: string): string[];
  };
};

/** The base class of Experiment APIs (and, where typed, its EventManager). */
export const extensionCommon = (): ExtensionCommonLike => extensionCommonOf<ExtensionCommonLike>();

const COMPOSE_URL = "chrome://messenger/content/messengercompose/messengercompose.xhtml";

/** Calls `onOpen` for every compose window, open or to come, and `onClose` when one goes; returns the stop function. */
export function watchComposeWindows(id: string, onOpen: (w: ComposeWindow) => void, onClose: (w: ComposeWindow) => void): () => void {
  const { ExtensionSupport } = ChromeUtils.importESModule("resource:///modules/ExtensionSupport.sys.mjs");
  ExtensionSupport.registerWindowListener(id, { chromeURLs: [COMPOSE_URL], onLoadWindow: onOpen, onUnloadWindow: onClose });
  return () => void ExtensionSupport.unregisterWindowListener(id);
}

export function autocompletePrefs(): AutocompletePrefs {
  const p = Services.prefs;
  const ids = new Set(
    p
      .getChildList("mail.identity.")
      .map((name) => /^mail\.identity\.([^.]+)\./.exec(name)?.[1])
      .filter((x): x is string => !!x),
  );
  return {
    useDirectory: p.getBoolPref("ldap_2.autoComplete.useDirectory", false),
    identities: [...ids].map((id) => ({
      overrideGlobal: p.getBoolPref(`mail.identity.${id}.overrideGlobal_Pref`, false),
      directoryServer: p.getCharPref(`mail.identity.${id}.directoryServer`, ""),
    })),
  };
}
