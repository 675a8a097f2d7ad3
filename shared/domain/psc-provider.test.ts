import { describe, expect, it } from "vitest";
import { PSC_PRESETS, pscConfigProblem, pscProviderDetails, withAcrValues } from "./psc-provider.ts";

describe("PSC provider configuration", () => {
  it("resolves the production preset with acr_values=eidas1, PKCE and the issuer as iss", () => {
    const d = pscProviderDetails({ preset: "production", clientId: "client-1" }, ["IMAP.op.fr", "imap.op.fr"]);
    expect(d).toEqual({
      issuer: "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet",
      issuerIdentifier: "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet",
      clientId: "client-1",
      authorizationEndpoint: "https://wallet.esw.esante.gouv.fr/auth?acr_values=eidas1",
      tokenEndpoint: "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet/protocol/openid-connect/token",
      redirectionEndpoint: "http://localhost",
      usePKCE: true,
      scopes: "openid scope_all",
      hostnames: ["imap.op.fr"],
    });
  });

  it("takes custom endpoints, keeping an acr_values already there", () => {
    const d = pscProviderDetails(
      {
        preset: "custom",
        clientId: "c",
        issuer: "https://localhost:9443/auth/realms/esante-wallet",
        authorizationEndpoint: "https://localhost:9443/auth/realms/esante-wallet/protocol/openid-connect/auth?acr_values=eidas1",
        tokenEndpoint: "https://localhost:9443/auth/realms/esante-wallet/protocol/openid-connect/token",
      },
      ["h.test"],
    );
    expect(d?.authorizationEndpoint).toBe(
      "https://localhost:9443/auth/realms/esante-wallet/protocol/openid-connect/auth?acr_values=eidas1",
    );
    expect(withAcrValues("https://a.test/auth?x=1")).toBe("https://a.test/auth?x=1&acr_values=eidas1");
  });

  it("needs a client id: nothing is shipped", () => {
    expect(pscProviderDetails({ preset: "bac-a-sable", clientId: null }, ["h.test"])).toBeNull();
    expect(pscProviderDetails(null, ["h.test"])).toBeNull();
    expect(PSC_PRESETS["bac-a-sable"].issuer).toBe("https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet");
  });

  it("says what is wrong with a configuration, and refuses a client secret", () => {
    expect(pscConfigProblem(null)).toBeNull();
    expect(pscConfigProblem({ preset: "production", clientId: "x" })).toBeNull();
    expect(pscConfigProblem({ preset: "prod", clientId: "x" })).toMatch(/preset/);
    expect(pscConfigProblem({ preset: "custom", clientId: "x" })).toMatch(/psc.issuer/);
    expect(pscConfigProblem({ preset: "production", clientId: "x", clientSecret: "s" })).toMatch(/secret/);
    expect(pscConfigProblem({ preset: "production", clientId: "a b" })).toMatch(/clientId/);
  });
});
