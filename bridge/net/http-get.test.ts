import { describe, expect, it } from "vitest";
import { proxyAuthorization, proxyFor, redirectTarget } from "./http-get.ts";

const basic = (s: string) => `Basic ${Buffer.from(s, "utf8").toString("base64")}`;

describe("proxyFor", () => {
  const https = new URL("https://listeblanche.mssante.fr/x.xml");
  const http = new URL("http://annuaire.example.fr/x.zip");

  it("takes the configured proxy first, then HTTPS_PROXY (https) or HTTP_PROXY", () => {
    const env = { HTTPS_PROXY: "http://secure-proxy:3128", HTTP_PROXY: "http://plain-proxy:8080" };
    expect(proxyFor(https, "http://configured:1", env)?.host).toBe("configured:1");
    expect(proxyFor(https, null, env)?.host).toBe("secure-proxy:3128");
    expect(proxyFor(http, null, env)?.host).toBe("plain-proxy:8080");
    expect(proxyFor(https, null, { http_proxy: "http://lower:1" })?.host).toBe("lower:1");
    expect(proxyFor(https, null, {})).toBeNull();
  });

  it("uses no proxy for a host NO_PROXY lists (exact, subdomain, leading dot, *)", () => {
    for (const noProxy of ["mssante.fr", ".mssante.fr", "listeblanche.mssante.fr", "*", "other.fr, mssante.fr"]) {
      expect(proxyFor(https, "http://configured:1", { NO_PROXY: noProxy }), noProxy).toBeNull();
    }
    expect(proxyFor(https, "http://configured:1", { NO_PROXY: "evilmssante.fr" })?.host).toBe("configured:1");
  });

  it("refuses a proxy setting that is not an http:// URL, without repeating it", () => {
    for (const bad of ["http://user:s3cret@", "user:s3cret@proxy:3128", "proxy:3128", "socks5://user:s3cret@proxy:1080"]) {
      expect(() => proxyFor(https, bad, {}), bad).toThrow(/not an http:\/\/ URL/);
      expect(() => proxyFor(https, bad, {}), bad).not.toThrow(/s3cret/);
    }
  });
});

describe("proxyAuthorization", () => {
  it("is Basic with the percent-decoded user and password", () => {
    expect(proxyAuthorization(new URL("http://alice:s3cret@proxy:3128"))).toBe(basic("alice:s3cret"));
    expect(proxyAuthorization(new URL("http://DOM%5Calice:p%40ss%3Aw%25rd%20%C3%A9@proxy:3128"))).toBe(basic("DOM\\alice:p@ss:w%rd é"));
    expect(proxyAuthorization(new URL("http://alice@proxy:3128"))).toBe(basic("alice:"));
  });

  it("is null without credentials", () => {
    expect(proxyAuthorization(new URL("http://proxy:3128"))).toBeNull();
  });

  it("names the proxy, never the credentials, when they are badly encoded", () => {
    const bad = new URL("http://alice:s3cret%zz@proxy:3128");
    expect(() => proxyAuthorization(bad)).toThrow(/proxy:3128.*percent-encoding/);
    expect(() => proxyAuthorization(bad)).not.toThrow(/s3cret|alice/);
  });
});

describe("redirectTarget", () => {
  const from = new URL("https://listeblanche.mssante.fr/a/list.xml");

  it("resolves relative and absolute locations, https and http from http", () => {
    expect(redirectTarget(from, "/b/list.xml").href).toBe("https://listeblanche.mssante.fr/b/list.xml");
    expect(redirectTarget(from, "https://mirror.example.fr/list.xml").href).toBe("https://mirror.example.fr/list.xml");
    expect(redirectTarget(new URL("http://a.fr/x"), "http://b.fr/y").href).toBe("http://b.fr/y");
    expect(redirectTarget(new URL("http://a.fr/x"), "https://b.fr/y").href).toBe("https://b.fr/y");
  });

  it("refuses a downgrade from https to http, and other schemes", () => {
    expect(() => redirectTarget(from, "http://listeblanche.mssante.fr/a/list.xml")).toThrow(/from HTTPS to plain HTTP.*refused/);
    expect(() => redirectTarget(from, "ftp://x.fr/list.xml")).toThrow(/unsupported scheme/);
    expect(() => redirectTarget(from, "file:///etc/passwd")).toThrow(/unsupported scheme/);
  });
});
