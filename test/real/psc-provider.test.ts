/**
 * The test Pro Santé Connect (test/harness/oidc-provider.ts: oidc-provider configured like PSC)
 * driven from Node, before any Thunderbird: the discovery document's shape; the authorization code
 * flow with PKCE, signed in with the test card's certificate (a software copy of its key) at the
 * sign-in page, gives tokens with acr eidas1; without `acr_values`, without PKCE, without a card or
 * with a foreign card → refused. No token is ever printed: assertions look at types and claims.
 */
import { createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { missingComponents } from "../harness/require-component.ts";
import { exchangeCode, httpsRequest, introspect, jwtPayload, signIn, tokenRequest } from "../harness/oidc-client.ts";
import { PSC_REALM_PATH, startPscProvider, type PscProvider } from "../harness/oidc-provider.ts";

const reason = missingComponents("PSC provider", ["openssl"]);

describe.skipIf(reason)("a PSC-shaped OpenID provider, signed in with the card's certificate", () => {
  let pki: TestPki;
  let psc: PscProvider;
  let ca: Buffer;
  const card = () => ({ certPem: pki.doctor.certPem, keyPem: pki.doctor.keyPem });
  const idNat = () => pki.doctorHolder.idNat;

  beforeAll(async () => {
    pki = await createTestPki();
    ca = readFileSync(pki.ca.certPem);
    psc = await startPscProvider({ pki });
  });
  afterAll(async () => {
    await psc?.stop();
    await pki?.cleanup();
  });

  it("publishes PSC's discovery document at the wallet path, under the realm", async () => {
    const r = await httpsRequest(psc.discoveryUrl, { ca });
    expect(r.status).toBe(200);
    const d = JSON.parse(r.body) as Record<string, unknown>;
    expect(psc.issuer).toMatch(new RegExp(`^https://localhost:\\d+${PSC_REALM_PATH}$`));
    expect(psc.discoveryUrl).toBe(`${psc.issuer}/.well-known/wallet-openid-configuration`);
    const base = `${psc.issuer}/protocol/openid-connect`;
    expect(d).toMatchObject({
      issuer: psc.issuer,
      authorization_endpoint: `${base}/auth`,
      token_endpoint: `${base}/token`,
      userinfo_endpoint: `${base}/userinfo`,
      introspection_endpoint: `${base}/token/introspect`,
      revocation_endpoint: `${base}/revoke`,
      end_session_endpoint: `${base}/logout`,
      jwks_uri: `${base}/certs`,
      acr_values_supported: ["eidas1"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
    });
    expect(d.scopes_supported).toEqual(expect.arrayContaining(["openid", "scope_all"]));
    expect(d.response_types_supported).toContain("code");
    expect(d.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token"]));
    // The standard name answers the same document.
    const std = await httpsRequest(`${psc.issuer}/.well-known/openid-configuration`, { ca });
    expect(JSON.parse(std.body)).toEqual(d);
  });

  it("code + PKCE through the card's sign-in page: tokens with acr eidas1 for the card holder", async () => {
    const s = await signIn(psc, { ca, card: card() });
    expect(s.error).toBeUndefined();
    expect(typeof s.code).toBe("string");
    expect(s.iss).toBe(psc.issuer);
    const t = await exchangeCode(psc, ca, s);
    expect(t.status).toBe(200);
    expect(t.json.token_type).toBe("Bearer");
    expect(typeof t.json.access_token).toBe("string");
    expect(typeof t.json.refresh_token).toBe("string");
    expect(t.json.expires_in).toBe(45);
    expect(t.json.scope).toBe("openid scope_all");

    // The ID token: signed with the published key, acr eidas1, the idNat as subject.
    const idToken = t.json.id_token as string;
    const jwks = JSON.parse((await httpsRequest(`${psc.issuer}/protocol/openid-connect/certs`, { ca })).body) as {
      keys: Array<{ kid: string }>;
    };
    const [h, p, sig] = idToken.split(".");
    const header = JSON.parse(Buffer.from(h!, "base64url").toString()) as { alg: string; kid: string };
    expect(header.alg).toBe("RS256");
    const key = createPublicKey({ key: jwks.keys.find((k) => k.kid === header.kid) as never, format: "jwk" });
    expect(verify("sha256", Buffer.from(`${h}.${p}`), key, Buffer.from(sig!, "base64url"))).toBe(true);
    expect(jwtPayload(idToken)).toMatchObject({ iss: psc.issuer, aud: psc.clientId, sub: idNat(), acr: "eidas1" });

    // Introspection, as the mail server asks it: active, the idNat as preferred_username, acr eidas1.
    const info = await introspect(psc, ca, t.json.access_token as string);
    expect(info).toMatchObject({ active: true, sub: idNat(), preferred_username: idNat(), acr: "eidas1", client_id: psc.clientId });
    expect(info.scope).toBe("openid scope_all");

    // Userinfo: the card holder's names.
    const ui = await httpsRequest(`${psc.issuer}/protocol/openid-connect/userinfo`, {
      ca,
      headers: { authorization: `Bearer ${t.json.access_token as string}` },
    });
    expect(JSON.parse(ui.body)).toMatchObject({
      sub: idNat(),
      preferred_username: idNat(),
      family_name: pki.doctorHolder.surname,
      given_name: pki.doctorHolder.givenName,
    });
  });

  it("a redirect URI Thunderbird uses is accepted; one it does not use is refused", async () => {
    expect((await signIn(psc, { ca, card: card(), redirectUri: "http://localhost" })).code).toBeTruthy();
    // A loopback listener's port (the external browser flow) is accepted for a native client.
    expect((await signIn(psc, { ca, card: card(), redirectUri: "http://127.0.0.1:51234" })).code).toBeTruthy();
    await expect(signIn(psc, { ca, card: card(), redirectUri: "https://attacker.test/cb" })).rejects.toThrow(/unexpected 400/);
  });

  it("without acr_values=eidas1, or without PKCE: refused at the redirect URI, no sign-in", async () => {
    const noAcr = await signIn(psc, { ca, card: card(), acr: false });
    expect(noAcr.code).toBeUndefined();
    expect(noAcr.error).toEqual({ error: "invalid_request", description: "acr_values=eidas1 is required" });

    const noPkce = await signIn(psc, { ca, card: card(), pkce: false });
    expect(noPkce.code).toBeUndefined();
    expect(noPkce.error?.error).toBe("invalid_request");
    expect(noPkce.error?.description).toMatch(/PKCE/);

    // A code with the wrong verifier is refused at the token endpoint.
    const s = await signIn(psc, { ca, card: card() });
    const bad = await exchangeCode(psc, ca, s, "x".repeat(43));
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe("invalid_grant");
  });

  it("the sign-in page refuses no certificate and a certificate from a foreign CA", async () => {
    expect(await signIn(psc, { ca })).toMatchObject({ signInStatus: 401 });
    expect(await signIn(psc, { ca, card: { certPem: pki.foreign.certPem, keyPem: pki.foreign.keyPem } })).toMatchObject({
      signInStatus: 403,
    });
    expect(psc.events()).toEqual(expect.arrayContaining(["card.refused no certificate"]));
  });

  it("the access token expires (3 s here), a refresh gives a new one; after revocation the refresh is refused", async () => {
    psc.setAccessTokenTtl(3);
    try {
      const t = await exchangeCode(psc, ca, await signIn(psc, { ca, card: card() }));
      expect(t.json.expires_in).toBe(3);
      expect((await introspect(psc, ca, t.json.access_token as string)).active).toBe(true);
      await new Promise((r) => setTimeout(r, 4_000));
      expect((await introspect(psc, ca, t.json.access_token as string)).active).toBe(false);

      const r = await tokenRequest(psc, ca, { grant_type: "refresh_token", refresh_token: t.json.refresh_token as string });
      expect(r.status).toBe(200);
      expect(r.json.access_token === t.json.access_token).toBe(false);
      expect((await introspect(psc, ca, r.json.access_token as string)).active).toBe(true);

      // Revoked by the client (RFC 7009): the refresh token and the grant's access tokens are dead.
      const refresh = (r.json.refresh_token ?? t.json.refresh_token) as string;
      const rev = await httpsRequest(psc.revocationEndpoint, {
        ca,
        form: { client_id: psc.clientId, token: refresh, token_type_hint: "refresh_token" },
      });
      expect(rev.status).toBe(200);
      const again = await tokenRequest(psc, ca, { grant_type: "refresh_token", refresh_token: refresh });
      expect(again.status).toBe(400);
      expect(again.json.error).toBe("invalid_grant");
      expect((await introspect(psc, ca, r.json.access_token as string)).active).toBe(false);

      // Ended by PSC (the harness's revokeAccount: every grant of the card holder).
      const u = await exchangeCode(psc, ca, await signIn(psc, { ca, card: card() }));
      expect(await psc.revokeAccount(idNat())).toBeGreaterThan(0);
      const refused = await tokenRequest(psc, ca, { grant_type: "refresh_token", refresh_token: u.json.refresh_token as string });
      expect(refused.json.error).toBe("invalid_grant");
    } finally {
      psc.setAccessTokenTtl(45);
    }
  });
});
