import { describe, expect, it } from "vitest";
import { checkProviderDetails, positionalArguments, registerArguments, savedProvider } from "./oauth-provider.ts";

const DETAILS = {
  issuer: "https://localhost:9443/auth/realms/esante-wallet",
  issuerIdentifier: "https://localhost:9443/auth/realms/esante-wallet",
  clientId: "mss-thunderbird",
  authorizationEndpoint: "https://localhost:9443/auth/realms/esante-wallet/protocol/openid-connect/auth?acr_values=eidas1",
  tokenEndpoint: "https://localhost:9443/auth/realms/esante-wallet/protocol/openid-connect/token",
  redirectionEndpoint: "http://localhost",
  usePKCE: true as const,
  scopes: "openid scope_all",
  hostnames: ["psc.mssante.test"],
};

describe("PSC provider registration (pure)", () => {
  it("accepts PSC's details and builds Thunderbird 153's arguments, without secret or external browser", () => {
    expect(checkProviderDetails(DETAILS)).toEqual({ ok: true, details: DETAILS });
    const [details, hostnames, scopes] = registerArguments(DETAILS);
    expect(details).toMatchObject({ name: DETAILS.issuer, issuerIdentifier: DETAILS.issuer, usePKCE: true });
    expect(details).not.toHaveProperty("clientSecret");
    expect(details).not.toHaveProperty("useExternalBrowser");
    expect(hostnames).toEqual(["psc.mssante.test"]);
    expect(scopes).toBe("openid scope_all");
    expect(positionalArguments(DETAILS)).toHaveLength(9);
  });

  it("refuses what cannot be right", () => {
    expect(checkProviderDetails({ ...DETAILS, tokenEndpoint: "http://x/token" })).toMatchObject({ ok: false, code: "invalid-request" });
    expect(checkProviderDetails({ ...DETAILS, usePKCE: false })).toMatchObject({ ok: false });
    expect(checkProviderDetails({ ...DETAILS, redirectionEndpoint: "https://evil.test" })).toMatchObject({ ok: false });
    expect(checkProviderDetails({ ...DETAILS, hostnames: [] })).toMatchObject({ ok: false });
    expect(checkProviderDetails(null)).toMatchObject({ ok: false });
  });

  it("reads back the saved details, ignoring anything broken", () => {
    expect(savedProvider(JSON.stringify(DETAILS))).toEqual(DETAILS);
    expect(savedProvider("")).toBeNull();
    expect(savedProvider("{")).toBeNull();
    expect(savedProvider(JSON.stringify({ ...DETAILS, issuer: "x" }))).toBeNull();
  });
});
