/**
 * Pro Santé Connect as Thunderbird's OAuth2 provider, registered at run time (pure part).
 *
 * Why here and not the `oauth_provider` manifest key: the manifest fixes the provider's hostnames
 * when the add-on is built, while the PSC front's hosts are each operator's, found by discovery
 * (SRV) on the GP's machine. Why inside mssAccounts and not an Experiment of its own: the
 * registration belongs to the account the setup creates, and this API already runs at every start
 * (manifest "events": ["startup"]), where an existing PSC account's provider is registered again.
 *
 * Thunderbird 153's OAuth2Providers.registerProvider(details, hostnames, scopes): `details.name`
 * is the issuer (its key); it throws when the issuer or a hostname is registered already, so the
 * registration is taken back at shutdown. The details are kept in a pref (no secret in them: a
 * public client has none) for the next start.
 */
import type { ExperimentFailure, OAuthProviderDetails } from "./api.ts";
import { fail } from "./results.ts";
import { validHost } from "./validate.ts";

/** The provider registered by this add-on, as JSON: registered again at every start. */
export const PSC_PROVIDER_PREF = "extensions.mssante.pscProvider";

const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[^\s#]*)?$/;
const LOOPBACK = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?\/?$/;

/** The details if they can be registered, else what is wrong (nothing is registered then). */
export function checkProviderDetails(value: unknown): { ok: true; details: OAuthProviderDetails } | ExperimentFailure {
  const d = (value && typeof value === "object" ? value : null) as Partial<Record<keyof OAuthProviderDetails, unknown>> | null;
  if (!d) return fail("invalid-request", "no provider details");
  for (const k of ["issuer", "issuerIdentifier", "authorizationEndpoint", "tokenEndpoint"] as const) {
    if (typeof d[k] !== "string" || !HTTPS_URL.test(d[k] as string)) return fail("invalid-request", `${k} must be an https URL`);
  }
  if (typeof d.redirectionEndpoint !== "string" || !LOOPBACK.test(d.redirectionEndpoint))
    return fail("invalid-request", "redirectionEndpoint must be a loopback http URL");
  if (typeof d.clientId !== "string" || !/^[\x21-\x7e]{1,200}$/.test(d.clientId)) return fail("invalid-request", "invalid clientId");
  if (d.usePKCE !== true) return fail("invalid-request", "PKCE is required");
  if (typeof d.scopes !== "string" || !/^[\x21-\x7e]+( [\x21-\x7e]+)*$/.test(d.scopes)) return fail("invalid-request", "invalid scopes");
  if (!Array.isArray(d.hostnames) || !d.hostnames.length || d.hostnames.length > 8 || !d.hostnames.every(validHost))
    return fail("invalid-request", "invalid hostnames");
  return { ok: true, details: d as OAuthProviderDetails };
}

/**
 * registerProvider's three arguments on Thunderbird 153. No clientSecret (a public client) and no
 * useExternalBrowser: the system browser has no access to the card that NSS holds in Thunderbird.
 */
export function registerArguments(d: OAuthProviderDetails): [Record<string, unknown>, string[], string] {
  return [
    {
      name: d.issuer,
      issuer: d.issuer,
      issuerIdentifier: d.issuerIdentifier,
      clientId: d.clientId,
      authorizationEndpoint: d.authorizationEndpoint,
      tokenEndpoint: d.tokenEndpoint,
      redirectionEndpoint: d.redirectionEndpoint,
      usePKCE: true,
    },
    d.hostnames.map((h) => h.toLowerCase()),
    d.scopes,
  ];
}

/** Thunderbird 140's positional form (arity 9): issuer, clientId, clientSecret (none), endpoints, PKCE, hostnames, scopes. */
export function positionalArguments(d: OAuthProviderDetails): unknown[] {
  const [, hostnames, scopes] = registerArguments(d);
  return [d.issuer, d.clientId, undefined, d.authorizationEndpoint, d.tokenEndpoint, d.redirectionEndpoint, true, hostnames, scopes];
}

/** The saved details, or null when there are none or they are not valid any more. */
export function savedProvider(json: string): OAuthProviderDetails | null {
  if (!json) return null;
  try {
    const c = checkProviderDetails(JSON.parse(json));
    return c.ok ? c.details : null;
  } catch {
    return null;
  }
}
