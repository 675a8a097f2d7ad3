/**
 * Pro Santé Connect (PSC) as Thunderbird's OAuth2 provider: the named presets (production and the
 * test environment, "bac à sable") and the resolution of the bridge's `psc` configuration into the
 * details the mssAccounts Experiment registers. Pure.
 *
 * The values come from ANS's public documentation (Référentiel #2's secondary sources): issuers,
 * the "wallet" sign-in page ANS recommends as authorization endpoint, the Keycloak token endpoint
 * under the issuer. No client id is preset and no client secret exists here: the client id comes
 * from ANS's registration of the deployment, and an open desktop client cannot keep a secret.
 */

/** Named PSC environments; "custom" takes every value from the configuration (the tests' provider). */
export type PscPresetName = "production" | "bac-a-sable" | "custom";

/** What Thunderbird's OAuth2Providers.registerProvider takes (Thunderbird 153), plus our hosts. */
export interface PscProviderDetails {
  /** Thunderbird's key for the provider: the issuer (also the login manager origin `oauth://<issuer>`). */
  issuer: string;
  /** Checked exactly against the `iss` of the authorization response (RFC 9207). */
  issuerIdentifier: string;
  clientId: string;
  /** With `acr_values=eidas1` in its query: Thunderbird keeps it and adds its own parameters. */
  authorizationEndpoint: string;
  tokenEndpoint: string;
  redirectionEndpoint: string;
  usePKCE: true;
  scopes: string;
  /** The mail hosts (PSC front) this provider signs in for: a registered host covers its subdomains. */
  hostnames: string[];
}

/** The bridge's configuration key `psc` (docs/configuration.md). */
export interface PscConfig {
  preset: PscPresetName;
  /** From ANS's registration of this deployment (DataPass); null: PSC logins cannot be set up. */
  clientId: string | null;
  /** Only for preset "custom" (each one required then); ignored otherwise. */
  issuer?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
}

export const PSC_SCOPES = "openid scope_all";
export const PSC_ACR_VALUES = "eidas1";
/** Thunderbird's default redirection endpoint: its OAuth window stops there without loading it. */
export const PSC_REDIRECT = "http://localhost";

interface Preset {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

/**
 * Production and test issuers and endpoints (REFERENTIEL-2.md, "Pro Santé Connect"). Unconfirmed:
 * whether the wallet page keeps `acr_values` and PKCE parameters as the Keycloak page does, and
 * whether PSC accepts a public client with a loopback redirect (README, "Pro Santé Connect").
 */
export const PSC_PRESETS: Readonly<Record<Exclude<PscPresetName, "custom">, Preset>> = {
  production: {
    issuer: "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet",
    authorizationEndpoint: "https://wallet.esw.esante.gouv.fr/auth",
    tokenEndpoint: "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet/protocol/openid-connect/token",
  },
  "bac-a-sable": {
    issuer: "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet",
    authorizationEndpoint: "https://wallet.bas.psc.esante.gouv.fr/auth",
    tokenEndpoint: "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet/protocol/openid-connect/token",
  },
};

const HTTPS = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[^\s?#]*)?(\?[^\s#]*)?$/;

/** The endpoint with `acr_values=eidas1` in its query (kept when already there). */
export function withAcrValues(endpoint: string): string {
  if (/[?&]acr_values=/.test(endpoint)) return endpoint;
  return `${endpoint}${endpoint.includes("?") ? "&" : "?"}acr_values=${PSC_ACR_VALUES}`;
}

/** What is wrong with a `psc` configuration value, or null. */
export function pscConfigProblem(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "object") return "psc must be an object { preset, clientId }";
  const c = value as Record<string, unknown>;
  if (c.preset !== "production" && c.preset !== "bac-a-sable" && c.preset !== "custom")
    return 'psc.preset must be "production", "bac-a-sable" or "custom"';
  if (c.clientId !== null && c.clientId !== undefined && (typeof c.clientId !== "string" || !/^[\x21-\x7e]{1,200}$/.test(c.clientId)))
    return "psc.clientId must be the client id ANS registered (printable, no spaces), or null";
  if ("clientSecret" in c) return "psc.clientSecret is not accepted: an open desktop client cannot keep a secret (public client, PKCE)";
  if (c.preset === "custom") {
    for (const k of ["issuer", "authorizationEndpoint", "tokenEndpoint"] as const) {
      if (typeof c[k] !== "string" || !HTTPS.test(c[k] as string)) return `psc.${k} must be an https URL with preset "custom"`;
    }
  }
  return null;
}

/**
 * The provider details for the PSC front's mail hosts, or null when no client id is configured
 * (nothing can sign in without ANS's registration).
 */
export function pscProviderDetails(config: PscConfig | null, hostnames: string[]): PscProviderDetails | null {
  if (!config?.clientId) return null;
  const p = config.preset === "custom" ? customPreset(config) : PSC_PRESETS[config.preset];
  if (!p) return null;
  return {
    issuer: p.issuer,
    issuerIdentifier: p.issuer,
    clientId: config.clientId,
    authorizationEndpoint: withAcrValues(p.authorizationEndpoint),
    tokenEndpoint: p.tokenEndpoint,
    redirectionEndpoint: PSC_REDIRECT,
    usePKCE: true,
    scopes: PSC_SCOPES,
    hostnames: [...new Set(hostnames.map((h) => h.toLowerCase()))],
  };
}

function customPreset(c: PscConfig): Preset | null {
  if (!c.issuer || !c.authorizationEndpoint || !c.tokenEndpoint) return null;
  return { issuer: c.issuer, authorizationEndpoint: c.authorizationEndpoint, tokenEndpoint: c.tokenEndpoint };
}
