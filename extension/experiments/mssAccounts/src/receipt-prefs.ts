/**
 * Read receipts (MDN, RFC 8098; ECO.3.1.6) for a new MSSanté account. Pure: works on whatever
 * objects it is given.
 *
 * Thunderbird's MDN generator reads the identity's `use_custom_prefs`; when true it takes the
 * account's own `mail.server.<key>.mdn_*` values instead of the global `mail.mdn.report.*` ones.
 * The account gets its own, so a global "never" set for another account does not silence it:
 * receipts enabled, and "ask me" (2) for every kind of request — not in To/Cc, sender outside the
 * account's domain (every colleague at another operator), any other — so the GP decides, message by
 * message, to return one; none leaves by itself. Receipts are not requested by default on sending
 * (`request_return_receipt_on` false). An existing account's receipt settings are left as they are.
 */

/** 0 never, 1 always, 2 ask me, 3 deny (Thunderbird's values). */
const ASK = 2;

export const RECEIPT_SERVER_PREFS = {
  mdn_report_enabled: true,
  mdn_not_in_to_cc: ASK,
  mdn_outside_domain: ASK,
  mdn_other: ASK,
} as const;

export const RECEIPT_IDENTITY_PREFS = { use_custom_prefs: true, request_return_receipt_on: false } as const;

/** nsIMsgIncomingServer's pref setters. */
export interface ReceiptServer {
  setBoolValue(pref: string, value: boolean): void;
  setIntValue(pref: string, value: number): void;
}

/** nsIMsgIdentity's pref setter. */
export interface ReceiptIdentity {
  setBoolAttribute(pref: string, value: boolean): void;
}

export function setReceiptPrefs(server: ReceiptServer, identity: ReceiptIdentity): void {
  for (const [pref, v] of Object.entries(RECEIPT_SERVER_PREFS)) {
    if (typeof v === "boolean") server.setBoolValue(pref, v);
    else server.setIntValue(pref, v);
  }
  for (const [pref, v] of Object.entries(RECEIPT_IDENTITY_PREFS)) identity.setBoolAttribute(pref, v);
}
