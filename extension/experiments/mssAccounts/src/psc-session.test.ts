import { describe, expect, it } from "vitest";
import { afterSignInWindow, isPscRefreshToken, isSignInOf, onSignInWindow } from "./psc-session.ts";

const AUTH = "https://localhost:9443/auth/realms/esante-wallet/protocol/openid-connect/auth?acr_values=eidas1";

describe("PSC session end (pure)", () => {
  it("tells PSC's sign-in page by origin and path, whatever Thunderbird adds to the query", () => {
    expect(isSignInOf(`${AUTH}&client_id=c&login_hint=810001234567`, AUTH)).toBe(true);
    expect(isSignInOf("https://accounts.google.com/o/oauth2/auth?x", AUTH)).toBe(false);
    expect(isSignInOf("https://localhost:9444/auth/realms/esante-wallet/protocol/openid-connect/auth", AUTH)).toBe(false);
    expect(isSignInOf(undefined, AUTH)).toBe(false);
    expect(isSignInOf("https://LOCALHOST:9443/auth/realms/esante-wallet/protocol/openid-connect/auth#x", AUTH)).toBe(true);
    expect(isSignInOf("https://psc.test:443/auth?x", "https://psc.test/auth")).toBe(true);
    expect(isSignInOf("http://localhost:9443/auth/realms/esante-wallet/protocol/openid-connect/auth", AUTH)).toBe(false);
    expect(isSignInOf("not a url", AUTH)).toBe(false);
    // No URL global is needed (the Experiment's scope has none).
    const saved = globalThis.URL;
    try {
      (globalThis as { URL?: unknown }).URL = undefined;
      expect(isSignInOf(`${AUTH}&x=1`, AUTH)).toBe(true);
      expect(onSignInWindow({ url: `${AUTH}&x=1`, authorizationEndpoint: AUTH, setupSignIn: false })).toBe("session-ended");
      expect(isPscRefreshToken("oauth://https://localhost:9443/auth/realms/esante-wallet", AUTH)).toBe(true);
    } finally {
      globalThis.URL = saved;
    }
  });

  it("a PSC window no setup asked for is the session's end; the setup's own sign-in is not", () => {
    expect(onSignInWindow({ url: `${AUTH}&x=1`, authorizationEndpoint: AUTH, setupSignIn: false })).toBe("session-ended");
    expect(onSignInWindow({ url: `${AUTH}&x=1`, authorizationEndpoint: AUTH, setupSignIn: true })).toBe("ignore");
    expect(onSignInWindow({ url: "https://other.test/auth", authorizationEndpoint: AUTH, setupSignIn: false })).toBe("ignore");
    expect(onSignInWindow({ url: `${AUTH}&x=1`, authorizationEndpoint: null, setupSignIn: false })).toBe("ignore");
    expect(onSignInWindow({ url: undefined, authorizationEndpoint: AUTH, setupSignIn: false })).toBe("session-ended");
  });

  it("after the window: reopened only if Thunderbird stored a new PSC refresh token meanwhile", () => {
    expect(afterSignInWindow({ newRefreshToken: true })).toBe("session-reopened");
    // The revoked token stays in the login manager until replaced: its presence is no new session.
    expect(afterSignInWindow({ newRefreshToken: false })).toBe("hold-and-notify");
  });

  it("finds PSC's refresh token by its login manager origin", () => {
    expect(
      isPscRefreshToken("oauth://https://localhost:9443/auth/realms/esante-wallet", "https://localhost:9443/auth/realms/esante-wallet"),
    ).toBe(true);
    expect(isPscRefreshToken("oauth://accounts.google.com", "https://localhost:9443/auth/realms/esante-wallet")).toBe(false);
    expect(isPscRefreshToken("https://localhost:9443", "https://localhost:9443/auth/realms/esante-wallet")).toBe(false);
  });
});
