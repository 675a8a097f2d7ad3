/**
 * When the compose window's recipient fields may search at every keystroke (pure).
 *
 * Thunderbird 153's recipient fields wait `timeout="200"` ms after each keystroke before asking the
 * address books (composeWidgets.mjs); measured in a real Thunderbird, that pause is 206 of the 256
 * ms between a key and the directory's suggestions (npm run bench:keystrokes). Our provider answers
 * in about 2 ms and the bridge debounces what it sends out (the live directory), so searching at
 * once costs nothing there. An LDAP directory used for autocomplete (a hospital's) would get a
 * query per keystroke instead: then Thunderbird's pause stays.
 */

/** Thunderbird's own delay on recipient fields; only fields that still have it are changed. */
export const THUNDERBIRD_DELAY = "200";
/** The delay given instead. */
export const AT_ONCE = "0";

/** The preferences that say whether an LDAP directory serves autocomplete (global, or per identity). */
export interface AutocompletePrefs {
  /** ldap_2.autoComplete.useDirectory */
  useDirectory: boolean;
  /** Each identity's mail.identity.<id>.overrideGlobal_Pref and .directoryServer. */
  identities: { overrideGlobal: boolean; directoryServer: string }[];
}

export function ldapAutocompleteInUse(p: AutocompletePrefs): boolean {
  return p.useDirectory || p.identities.some((i) => i.overrideGlobal && i.directoryServer.trim() !== "");
}
