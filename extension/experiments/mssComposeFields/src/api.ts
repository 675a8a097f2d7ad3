/**
 * The mssComposeFields Experiment's API as the extension calls it (messenger.mssComposeFields),
 * checked against schema.json by extension/experiments/mss-compose-fields.test.ts.
 */

export type SearchDelayResult =
  | {
      ok: true;
      /** The recipient fields search at once (open and future compose windows). */
      applied: boolean;
      /** Why not, when not: "ldap-autocomplete" (an LDAP directory serves autocomplete), "disabled". */
      reason: "applied" | "ldap-autocomplete" | "disabled";
    }
  | { ok: false; code: string; message: string };

export interface MssComposeFieldsApi {
  searchRecipientsAtOnce(enabled: boolean): Promise<SearchDelayResult>;
}
