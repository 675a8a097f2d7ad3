/**
 * When Pro Santé Connect ends the session (its refresh token refused: revoked, expired, PSC's
 * 4-hour limit), Thunderbird 153 opens its OAuth window by itself (OAuth2.sys.mjs: on
 * `invalid_grant` it retries the authorization once, `Services.ww.openWindow` of
 * browserRequest.xhtml, a window, not a tab) for the account that needed a token (ECO.1.2.6,
 * 1.2.7). Pure decisions for the watcher in implementation.ts:
 * - a PSC sign-in window that no setup asked for means the session ended: a banner of the add-on
 *   at the top of the window says so and how to sign in again (the GP signs in there: the session
 *   reopens, ECO.1.2.7; while PSC's own session is valid the window closes by itself);
 * - when that window closes, the session reopened if Thunderbird stored a new PSC refresh token
 *   meanwhile (the login manager's change, seen as it happens: the revoked token stays stored
 *   until replaced, so its mere presence proves nothing). Otherwise the PSC accounts' checks are
 *   held, so that Thunderbird does not open the window again at every check (nothing loops), and a
 *   notification says how to sign in again; the next setup's logon releases them, as for the card.
 */

/** When PSC last ended the session (ISO date), written when the sign-in window opens for it. */
export const PSC_SESSION_ENDED_PREF = "extensions.mssante.pscSessionEnded";

/** What the add-on made of the last OAuth window it saw: "<ISO date> <decision> <reason>", no URL. */
export const PSC_SIGN_IN_WINDOW_PREF = "extensions.mssante.pscSignInWindow";

/** Thunderbird 153's OAuth window. */
export const OAUTH_WINDOW_URI = "chrome://messenger/content/browserRequest.xhtml";

/**
 * "scheme://host[:port]" (lower case, default port dropped) and the path of an http(s) URL, or null.
 * Parsed by hand: the Experiment's scope has no `URL` global (a `new URL` there threw, and the
 * watcher took PSC's own sign-in for another provider's).
 */
function originAndPath(url: string): { origin: string; path: string } | null {
  const m = /^(https?):\/\/([^/?#@\s]+)([^?#\s]*)/i.exec(url);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  const host = m[2]!.toLowerCase().replace(scheme === "https" ? /:443$/ : /:80$/, "");
  return { origin: `${scheme}://${host}`, path: m[3] || "/" };
}

/** Is `url` (the page the OAuth window loads) the sign-in of `authorizationEndpoint`? Same origin and path. */
export function isSignInOf(url: unknown, authorizationEndpoint: string): boolean {
  if (typeof url !== "string") return false;
  const a = originAndPath(url);
  const b = originAndPath(authorizationEndpoint);
  return !!a && !!b && a.origin === b.origin && a.path === b.path;
}

/** What to do when an OAuth window opens. */
export function onSignInWindow(a: {
  url: unknown;
  authorizationEndpoint: string | null;
  setupSignIn: boolean;
}): "session-ended" | "ignore" {
  if (!a.authorizationEndpoint) return "ignore";
  // A window whose request does not say its URL (another Thunderbird version) counts as PSC's.
  if (typeof a.url === "string" && !isSignInOf(a.url, a.authorizationEndpoint)) return "ignore";
  return a.setupSignIn ? "ignore" : "session-ended";
}

/** What to do once the session-ended window has closed (and Thunderbird had time to store a token). */
export function afterSignInWindow(a: { newRefreshToken: boolean }): "session-reopened" | "hold-and-notify" {
  return a.newRefreshToken ? "session-reopened" : "hold-and-notify";
}

/** The login manager's entry of PSC's refresh token: origin `oauth://…` naming the issuer's host. */
export function isPscRefreshToken(origin: string, issuer: string): boolean {
  const host = originAndPath(issuer)?.origin.replace(/^https?:\/\//, "");
  return !!host && origin.startsWith("oauth://") && origin.toLowerCase().includes(host);
}
