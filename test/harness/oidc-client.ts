/**
 * What a relying party does against the test Pro Santé Connect (test/harness/oidc-provider.ts),
 * from Node, for the real tests: HTTPS with the test CA, a cookie jar, the authorization code flow
 * with PKCE through the sign-in page with a card certificate (the test card's certificate and a
 * software copy of its key), the token endpoint, introspection as the mail server does it.
 * Nothing here prints a token: results are returned, never logged.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { PscProvider } from "./oidc-provider.ts";

export interface HttpsResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Cookies by name, sent to every port of the host when their path matches (as browsers do). */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();
  store(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? "/";
      const expired = attrs.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }
  header(pathname: string): string {
    return [...this.cookies]
      .filter(([, c]) => pathname === c.path || pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`))
      .map(([n, c]) => `${n}=${c.value}`)
      .join("; ");
  }
}

export interface HttpsOptions {
  ca: Buffer;
  method?: string;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** A client certificate and key (PEM files). */
  card?: { certPem: string; keyPem: string };
  jar?: CookieJar;
}

export async function httpsRequest(url: string, o: HttpsOptions): Promise<HttpsResult> {
  const u = new URL(url);
  const body = o.form ? new URLSearchParams(o.form).toString() : undefined;
  const cookie = o.jar?.header(u.pathname);
  return await new Promise((resolve, reject) => {
    const req = https.request(
      u,
      {
        method: o.method ?? (body ? "POST" : "GET"),
        ca: o.ca,
        ...(o.card ? { cert: readFileSync(o.card.certPem), key: readFileSync(o.card.keyPem) } : {}),
        agent: false,
        headers: {
          ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
          ...(cookie ? { cookie } : {}),
          ...o.headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          o.jar?.store(res.headers["set-cookie"]);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export interface SignInOptions {
  ca: Buffer;
  /** The card presented to the sign-in page (none: no client certificate). */
  card?: { certPem: string; keyPem: string };
  redirectUri?: string;
  /** Send `acr_values=eidas1` (default true). */
  acr?: boolean;
  /** Send a PKCE challenge (default true). */
  pkce?: boolean;
  scope?: string;
}

export interface SignInResult {
  /** The authorization code, when the flow reached the redirect URI with one. */
  code?: string;
  /** The OAuth error at the redirect URI (`error`, `error_description`), when refused there. */
  error?: { error: string; description: string };
  /** The `iss` parameter of the authorization response (RFC 9207). */
  iss?: string;
  /** The sign-in page's status when it refused the card. */
  signInStatus?: number;
  verifier: string;
  redirectUri: string;
}

/** The authorization code flow up to the code, as a browser with the card in the reader goes through it. */
export async function signIn(provider: PscProvider, o: SignInOptions): Promise<SignInResult> {
  const jar = new CookieJar();
  const redirectUri = o.redirectUri ?? "http://localhost";
  const { verifier, challenge } = pkcePair();
  const params = new URLSearchParams({
    response_type: "code",
    client_id: provider.clientId,
    redirect_uri: redirectUri,
    scope: o.scope ?? "openid scope_all",
    state: randomBytes(8).toString("hex"),
    nonce: randomBytes(8).toString("hex"),
  });
  if (o.acr !== false) params.set("acr_values", "eidas1");
  if (o.pkce !== false) {
    params.set("code_challenge", challenge);
    params.set("code_challenge_method", "S256");
  }
  const atRedirect = (location: string): SignInResult | null => {
    if (!location.startsWith(redirectUri)) return null;
    const q = new URL(location).searchParams;
    const err = q.get("error");
    return {
      verifier,
      redirectUri,
      ...(q.get("code") ? { code: q.get("code")! } : {}),
      ...(err ? { error: { error: err, description: q.get("error_description") ?? "" } } : {}),
      ...(q.get("iss") ? { iss: q.get("iss")! } : {}),
    };
  };
  let url = `${provider.authorizationEndpoint}?${params}`;
  for (let hop = 0; hop < 6; hop++) {
    const onSignInPage = new URL(url).port === String(provider.cardPort);
    const r = await httpsRequest(url, { ca: o.ca, jar, ...(onSignInPage && o.card ? { card: o.card } : {}) });
    const location = r.headers.location;
    if (r.status < 300 || r.status >= 400 || !location) {
      if (onSignInPage) return { verifier, redirectUri, signInStatus: r.status };
      throw new Error(`unexpected ${r.status} at ${new URL(url).pathname}`);
    }
    const abs = new URL(location, url).href;
    const done = atRedirect(abs);
    if (done) return done;
    url = abs;
  }
  throw new Error("too many redirects");
}

export interface TokenResponse {
  status: number;
  json: Record<string, unknown>;
}

export async function tokenRequest(provider: PscProvider, ca: Buffer, form: Record<string, string>): Promise<TokenResponse> {
  const r = await httpsRequest(provider.tokenEndpoint, { ca, form: { client_id: provider.clientId, ...form } });
  return { status: r.status, json: JSON.parse(r.body) as Record<string, unknown> };
}

/** The code for tokens, with the PKCE verifier. */
export async function exchangeCode(provider: PscProvider, ca: Buffer, s: SignInResult, verifier = s.verifier): Promise<TokenResponse> {
  return await tokenRequest(provider, ca, {
    grant_type: "authorization_code",
    code: s.code ?? "",
    redirect_uri: s.redirectUri,
    code_verifier: verifier,
  });
}

/** RFC 7662 introspection as the mail server asks it (its own client, HTTP Basic). */
export async function introspect(provider: PscProvider, ca: Buffer, token: string): Promise<Record<string, unknown>> {
  const { clientId, clientSecret, url } = provider.introspection;
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64");
  const r = await httpsRequest(url, { ca, form: { token }, headers: { authorization: `Basic ${basic}` } });
  return JSON.parse(r.body) as Record<string, unknown>;
}

/** The payload of a JWT (no verification: the caller verifies with the provider's keys). */
export function jwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}
