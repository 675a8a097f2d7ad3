/**
 * A private OpenID Connect provider shaped like Pro Santé Connect (PSC), run by the tests in the
 * test process: `oidc-provider` (panva's, OpenID-certified; docs/decisions.md says why), not a
 * hand-made token endpoint. What is PSC-like (docs/domain/, REFERENTIEL-2.md "Pro Santé Connect"):
 *
 * - issuer under a Keycloak realm path, `https://<host>:<port>/auth/realms/esante-wallet`; the
 *   discovery document at `<issuer>/.well-known/wallet-openid-configuration` (PSC's "wallet-"
 *   name; the standard `openid-configuration` answers too); endpoints under
 *   `<issuer>/protocol/openid-connect/` (`auth`, `token`, `userinfo`, `token/introspect`,
 *   `revoke`, `logout`, `certs`);
 * - `acr_values=eidas1` required in the authorization request (refused with `invalid_request`
 *   otherwise), `acr` eidas1 in the ID token and in introspection; PKCE S256 required; scopes
 *   `openid scope_all`; a public client (no secret) with Thunderbird's redirect URIs; refresh tokens
 *   without `offline_access` (as Keycloak gives them), revocable; short access tokens (45 s by
 *   default, changeable while running); token introspection for the mail server, by a confidential
 *   client of its own.
 * - the sign-in page authenticates the card holder by TLS client certificate. It is served on a
 *   second HTTPS listener of the same host (`cardPort`) that asks for a client certificate; the
 *   provider's own listener never does, so a token refresh never involves the card. (Cookies are
 *   not separated by port, so the interaction's cookie set by the provider reaches the sign-in
 *   page.) The sign-in succeeds when the certificate chains to the test CA: its subject's CN (the
 *   idNat on a CPS) becomes the account id, `sub` and `preferred_username`.
 *
 * Nothing here prints a token, a code or a secret: `events()` keeps event names, client ids and
 * error descriptions only.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import type { IssuedCert, TestPki } from "../../bridge/demo/pki.ts";

/** PSC's realm (production and test: `/auth/realms/esante-wallet`). */
export const PSC_REALM_PATH = "/auth/realms/esante-wallet";
/** PSC's discovery document's name under the issuer. */
export const PSC_DISCOVERY_PATH = "/.well-known/wallet-openid-configuration";
/** The only acr PSC grants to a card or e-CPS sign-in. */
export const PSC_ACR = "eidas1";

/**
 * Thunderbird's redirect URIs: its OAuth window stops at the redirection endpoint without loading it,
 * `http://localhost` by default (`OAuth2.prototype.redirectionEndpoint` in comm-central's
 * OAuth2.sys.mjs; a provider registration may name another); a loopback listener
 * (`http://127.0.0.1:<port>`) is accepted on any port, as RFC 8252 §7.3 asks for a native client.
 * (oidc-provider refuses `https://localhost` for a native client: an https redirect must be a
 * claimed host, not a loopback one.)
 */
export const THUNDERBIRD_REDIRECT_URIS = ["http://localhost", "http://127.0.0.1"];

export interface PscProviderOptions {
  /** The test PKI: its CA issues the provider's server certificate and is the card CA it trusts. */
  pki: TestPki;
  /** Host name in the issuer (default "localhost"; the server certificate covers it and 127.0.0.1). */
  host?: string;
  /** Access token lifetime in seconds (default 45; `setAccessTokenTtl` changes it while running). */
  accessTokenTtl?: number;
  /** Refresh token lifetime in seconds (default 1800: PSC's are under 30 minutes). */
  refreshTokenTtl?: number;
  /** The public client's id (default "mss-thunderbird"). */
  clientId?: string;
  redirectUris?: string[];
}

export interface PscProvider {
  readonly issuer: string;
  /** `<issuer>/.well-known/wallet-openid-configuration`. */
  readonly discoveryUrl: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly introspectionEndpoint: string;
  readonly revocationEndpoint: string;
  readonly port: number;
  /** The sign-in page's listener (asks for a client certificate). */
  readonly cardPort: number;
  readonly clientId: string;
  /** The server certificate's files (issued by the test CA for host, localhost and 127.0.0.1). */
  readonly serverCert: IssuedCert;
  /** The mail server's confidential client for introspection (RFC 7662, client_secret_basic). */
  readonly introspection: { clientId: string; clientSecret: string; url: string };
  /** What happened, without tokens: "<event> <client id> <error description>". */
  events(): string[];
  setAccessTokenTtl(seconds: number): void;
  /**
   * Every token the token endpoint has handed out so far (authorization code and refresh grants),
   * for tests that look for where a token ends up (ECO.1.2.5). Never print them.
   */
  issuedTokens(): { accessTokens: string[]; refreshTokens: string[] };
  /**
   * Ends the card holder's PSC session the way an administrator (or PSC's session limit) does:
   * every grant of the account is revoked with its tokens, so its refresh tokens are refused.
   * Returns how many grants were revoked.
   */
  revokeAccount(accountId: string): Promise<number>;
  /**
   * Ends the card holder's login session at the provider too (its cookie then names no session, as
   * after PSC's session limit): the next authorization request goes to the sign-in page. Returns
   * how many sessions were ended.
   */
  endSessions(accountId: string): Promise<number>;
  /**
   * While true, the sign-in page waits for the GP (it answers without taking the card, as PSC's page
   * before the card is inserted or the PIN typed): a test can leave the window on it.
   */
  setSignInWaiting(waiting: boolean): void;
  stop(): Promise<void>;
}

interface CardHolder {
  idNat: string;
  familyName?: string;
  givenName?: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: https.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

async function close(server: https.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const body = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(body);
}

/** The card holder named by a client certificate's subject (a CPS: `CN=<idNat>+SN=<surname>+GN=<given name>`). */
function holderOf(socket: TLSSocket): CardHolder | null {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return null;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
  const idNat = first(subject.CN);
  if (!idNat) return null;
  return { idNat, familyName: first(subject.SN), givenName: first(subject.GN) };
}

export async function startPscProvider(opts: PscProviderOptions): Promise<PscProvider> {
  const host = opts.host ?? "localhost";
  const clientId = opts.clientId ?? "mss-thunderbird";
  const introspectionClient = { clientId: "mss-mail-server", clientSecret: randomBytes(24).toString("base64url") };
  const serverCert = await opts.pki.issueServer("psc-provider", [host, "localhost", "127.0.0.1"]);
  const tlsFiles = { cert: readFileSync(serverCert.certPem), key: readFileSync(serverCert.keyPem), ca: readFileSync(opts.pki.ca.certPem) };
  let accessTokenTtl = opts.accessTokenTtl ?? 45;
  const events: string[] = [];
  const holders = new Map<string, CardHolder>();
  const grantsByAccount = new Map<string, Set<string>>();
  /** The login sessions' uids (stable across the session id's rotation) of each account. */
  const sessionsByAccount = new Map<string, Set<string>>();
  let signInWaiting = false;

  // Both listeners first: the provider's configuration needs their ports.
  let providerHandler: Handler = (_req, res) => page(res, 503, "Starting", "");
  let cardHandler: Handler = (_req, res) => page(res, 503, "Starting", "");
  const main = https.createServer({ ...tlsFiles, minVersion: "TLSv1.2" }, (req, res) => providerHandler(req, res));
  // The sign-in page: a client certificate is asked for, checked against the test CA, never required
  // by TLS itself (the page explains a missing or foreign certificate instead of a failed handshake).
  // TLS 1.2 only, as on the mail servers: a PSS-less card (a CPS3, the test token) cannot sign under
  // TLS 1.3, and Thunderbird's NSS then sends no certificate at all.
  const card = https.createServer(
    { ...tlsFiles, minVersion: "TLSv1.2", maxVersion: "TLSv1.2", requestCert: true, rejectUnauthorized: false },
    (req, res) => cardHandler(req, res),
  );
  const port = await listen(main);
  let cardPort: number;
  try {
    cardPort = await listen(card);
  } catch (e) {
    await close(main);
    throw e;
  }
  const issuer = `https://${host}:${port}${PSC_REALM_PATH}`;
  const cardBase = `https://${host}:${cardPort}${PSC_REALM_PATH}`;
  // No consent screen (PSC has none): a native client is not sent back to one after the card's sign-in.
  const policy = interactionPolicy.base();
  policy.get("consent")?.checks.remove("native_client_prompt");
  const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        application_type: "native",
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        redirect_uris: opts.redirectUris ?? THUNDERBIRD_REDIRECT_URIS,
      },
      {
        client_id: introspectionClient.clientId,
        client_secret: introspectionClient.clientSecret,
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    jwks: { keys: [{ ...jwk, kid: "psc-test", use: "sig", alg: "RS256" }] as never },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    scopes: ["openid", "scope_all", "offline_access"],
    claims: {
      openid: ["sub"],
      scope_all: ["preferred_username", "SubjectNameID", "family_name", "given_name"],
    },
    acrValues: [PSC_ACR],
    // acr_values is a standard parameter; listing it here adds PSC's rule: eidas1 must be asked for.
    extraParams: {
      acr_values(_ctx: KoaContextWithOIDC, value: string | undefined) {
        if (!value?.split(" ").includes(PSC_ACR)) throw new errors.InvalidRequest(`acr_values=${PSC_ACR} is required`);
      },
    },
    pkce: { required: () => true },
    routes: {
      authorization: "/protocol/openid-connect/auth",
      token: "/protocol/openid-connect/token",
      userinfo: "/protocol/openid-connect/userinfo",
      introspection: "/protocol/openid-connect/token/introspect",
      revocation: "/protocol/openid-connect/revoke",
      end_session: "/protocol/openid-connect/logout",
      jwks: "/protocol/openid-connect/certs",
    },
    ttl: {
      AccessToken: () => accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 300,
      Interaction: 600,
      RefreshToken: opts.refreshTokenTtl ?? 1800,
      Grant: 4 * 3600,
      Session: 4 * 3600,
    },
    features: {
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        // The mail server's client, or the token's own client.
        allowedPolicy: async (ctx, client, token) =>
          client.clientId === introspectionClient.clientId || token.clientId === ctx.oidc.client?.clientId,
      },
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      rpInitiatedLogout: { enabled: true },
    },
    // Keycloak (PSC) gives refresh tokens without offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    extraTokenClaims: async (ctx, token) => {
      if (token.kind !== "AccessToken" || !("accountId" in token) || !token.accountId) return undefined;
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
      return { preferred_username: token.accountId, acr: source?.acr ?? PSC_ACR };
    },
    findAccount: async (_ctx, id) => {
      const holder = holders.get(id);
      if (!holder) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          preferred_username: id,
          SubjectNameID: id,
          ...(holder.familyName ? { family_name: holder.familyName } : {}),
          ...(holder.givenName ? { given_name: holder.givenName } : {}),
        }),
      };
    },
    // The sign-in is the card; there is no consent screen: the requested scopes are granted.
    loadExistingGrant: async (ctx) => {
      const session = ctx.oidc.session;
      if (session?.accountId)
        sessionsByAccount.set(session.accountId, (sessionsByAccount.get(session.accountId) ?? new Set()).add(session.uid));
      const found = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      // A grant revoked since (revokeAccount) is gone: a new sign-in gets a new one, not a consent loop.
      const existing = found ? await ctx.oidc.provider.Grant.find(found) : undefined;
      if (existing) return existing;
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].filter((s) => s === "openid" || s === "scope_all").join(" "));
      const grantId = await grant.save();
      ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId, grantId);
      grantsByAccount.set(accountId, (grantsByAccount.get(accountId) ?? new Set()).add(grantId));
      return grant;
    },
    interactions: { policy, url: async (_ctx, interaction) => `${cardBase}/interaction/${interaction.uid}` },
    clientBasedCORS: () => false,
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Erreur</title></head><body><h1>${String(out.error)}</h1></body></html>`;
    },
  };

  const provider = new Provider(issuer, configuration);
  // The token endpoint's answers, kept for issuedTokens() (never printed).
  const issued = { accessTokens: [] as string[], refreshTokens: [] as string[] };
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { access_token?: unknown; refresh_token?: unknown } | null;
    if (!body || typeof body !== "object" || Buffer.isBuffer(body)) return;
    if (typeof body.access_token === "string") issued.accessTokens.push(body.access_token);
    if (typeof body.refresh_token === "string") issued.refreshTokens.push(body.refresh_token);
  });
  const note = (what: string) => (ctx: KoaContextWithOIDC | undefined, err?: Error) => {
    const e = err as (Error & { error_description?: string }) | undefined;
    events.push(
      [what, ctx?.oidc?.client?.clientId ?? "-", e ? `${e.message}${e.error_description ? `: ${e.error_description}` : ""}` : ""]
        .join(" ")
        .trim(),
    );
  };
  provider.on("authorization.error", (ctx, err) => note("authorization.error")(ctx, err));
  provider.on("grant.error", (ctx, err) => note("grant.error")(ctx, err));
  provider.on("introspection.error", (ctx, err) => note("introspection.error")(ctx, err));
  provider.on("revocation.error", (ctx, err) => note("revocation.error")(ctx, err));
  provider.on("server_error", (ctx, err) => note("server_error")(ctx, err));
  provider.on("grant.success", (ctx) => note("grant.success")(ctx));
  provider.on("grant.revoked", (ctx) => note("grant.revoked")(ctx));
  provider.on("authorization.success", (ctx) => note("authorization.success")(ctx));
  provider.on("interaction.ended", (ctx) => note("interaction.ended")(ctx));
  const callback = provider.callback();

  providerHandler = (req, res) => {
    const url = req.url ?? "/";
    // Paths only: a query string may hold a code or a token.
    res.on("finish", () => events.push(`http ${req.method} ${url.split("?")[0]} ${res.statusCode}`));
    if (!url.startsWith(`${PSC_REALM_PATH}/`)) return page(res, 404, "Not found", "");
    let rest = url.slice(PSC_REALM_PATH.length);
    if (rest === PSC_DISCOVERY_PATH || rest.startsWith(`${PSC_DISCOVERY_PATH}?`))
      rest = rest.replace(PSC_DISCOVERY_PATH, "/.well-known/openid-configuration");
    // Mounted under the realm path: oidc-provider reads the mount from originalUrl minus url.
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = `${PSC_REALM_PATH}${rest}`;
    req.url = rest;
    void callback(req, res);
  };

  cardHandler = (req, res) => {
    res.on("finish", () => events.push(`http(card) ${req.method} ${(req.url ?? "/").split("?")[0]} ${res.statusCode}`));
    void (async () => {
      const m = /^\/auth\/realms\/esante-wallet\/interaction\/([\w-]+)$/.exec(new URL(req.url ?? "/", cardBase).pathname);
      if (!m || req.method !== "GET") return page(res, 404, "Not found", "");
      if (signInWaiting) {
        events.push("card.waiting");
        return page(res, 200, "Connexion Pro Santé Connect", "Insérez votre carte CPS ou utilisez l'application e-CPS.");
      }
      const socket = req.socket as TLSSocket;
      const holder = holderOf(socket);
      if (!holder) {
        events.push("card.refused no certificate");
        return page(res, 401, "Carte CPS absente", "Insérez votre carte CPS et réessayez.");
      }
      if (!socket.authorized) {
        events.push(`card.refused ${String(socket.authorizationError)}`);
        return page(res, 403, "Carte refusée", "Ce certificat n'est pas délivré par l'IGC-Santé.");
      }
      try {
        const details = await provider.interactionDetails(req, res);
        if (details.uid !== m[1]) return page(res, 400, "Session de connexion inconnue", "");
        holders.set(holder.idNat, holder);
        events.push(`card.signed-in ${holder.idNat} ${details.prompt.name} ${details.prompt.reasons.join(",")}`);
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: holder.idNat, acr: PSC_ACR, amr: ["sc"] } },
          { mergeWithLastSubmission: false },
        );
      } catch (e) {
        events.push(`card.error ${(e as Error).message}`);
        if (!res.headersSent) page(res, 400, "Session de connexion expirée", "Recommencez depuis votre logiciel.");
      }
    })();
  };

  const endpoint = (path: string) => `${issuer}/protocol/openid-connect/${path}`;
  return {
    issuer,
    discoveryUrl: `${issuer}${PSC_DISCOVERY_PATH}`,
    authorizationEndpoint: endpoint("auth"),
    tokenEndpoint: endpoint("token"),
    introspectionEndpoint: endpoint("token/introspect"),
    revocationEndpoint: endpoint("revoke"),
    port,
    cardPort,
    clientId,
    serverCert,
    introspection: { ...introspectionClient, url: endpoint("token/introspect") },
    events: () => [...events],
    setAccessTokenTtl(seconds) {
      accessTokenTtl = seconds;
    },
    issuedTokens: () => ({ accessTokens: [...issued.accessTokens], refreshTokens: [...issued.refreshTokens] }),
    async revokeAccount(accountId) {
      const grants = grantsByAccount.get(accountId) ?? new Set<string>();
      for (const grantId of grants) {
        await provider.RefreshToken.adapter.revokeByGrantId(grantId);
        await (await provider.Grant.find(grantId))?.destroy();
      }
      grantsByAccount.delete(accountId);
      events.push(`account.revoked ${accountId} ${grants.size}`);
      return grants.size;
    },
    async endSessions(accountId) {
      const uids = sessionsByAccount.get(accountId) ?? new Set<string>();
      let ended = 0;
      for (const uid of uids) {
        const session = await provider.Session.findByUid(uid);
        if (!session) continue;
        await session.destroy();
        ended++;
      }
      sessionsByAccount.delete(accountId);
      events.push(`account.sessions-ended ${accountId} ${ended}`);
      return ended;
    },
    setSignInWaiting(waiting) {
      signInWaiting = waiting;
    },
    async stop() {
      await Promise.all([close(main), close(card)]);
    },
  };
}
