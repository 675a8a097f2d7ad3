import { describe, expect, it } from "vitest";
import { checkParams, checkResult, isMethodName } from "./validate.ts";
import { jsonDepth, RequestSchema } from "./jsonrpc.ts";
import { firstError } from "./validate.ts";
import { Methods, PRE_AUTH_METHODS } from "./schemas.ts";

describe("protocol validation", () => {
  it("only the handshake and pairing methods answer before authentication", () => {
    expect([...PRE_AUTH_METHODS].sort()).toEqual(["pairing.begin", "pairing.complete", "session.authenticate", "session.hello"].sort());
  });

  it("refuses unknown params: no method takes a path, URL or PIN smuggled in", () => {
    expect(checkParams("directory.import", { path: "/etc/passwd" })).toMatch(/^\//);
    expect(checkParams("card.getIdentity", { pin: "1234" })).not.toBeNull();
    expect(checkParams("directory.search", { query: "dupont", url: "http://x" })).not.toBeNull();
    expect(checkParams("directory.import", {})).toBeNull();
  });

  it("checks types, bounds and shapes", () => {
    expect(checkParams("directory.search", { query: "dupont", limit: 20 })).toBeNull();
    expect(checkParams("directory.search", { query: "dupont", limit: 101 })).not.toBeNull();
    expect(checkParams("directory.search", { query: 42 })).not.toBeNull();
    expect(checkParams("directory.search", { query: "x".repeat(201) })).not.toBeNull();
    expect(checkParams("trust.check", { address: "not an address" })).not.toBeNull();
    expect(checkParams("directory.lookupByIdNat", { idNat: "810001234567" })).toBeNull();
    expect(checkParams("session.hello", { protocolVersion: 1, clientNonce: "short" })).not.toBeNull();
  });

  it("error messages name the path, never the value", () => {
    const e = checkParams("directory.search", { query: { secret: "s3cr3t-value" } });
    expect(e).not.toBeNull();
    expect(e).not.toContain("s3cr3t-value");
  });

  it("validates results the extension receives", () => {
    expect(checkResult("trust.check", { address: "a@b.fr", domain: "b.fr", verdict: "trusted", listDate: null })).toBeNull();
    expect(checkResult("trust.check", { address: "a@b.fr", domain: "b.fr", verdict: "maybe", listDate: null })).not.toBeNull();
  });

  it("accepts a discovery answer without cardLogin (a bridge from before it: the setup then says to update it), and checks one given", () => {
    const target = {
      service: "imap",
      host: "imap.b.fr",
      port: 143,
      priority: 20,
      weight: 0,
      front: "certificate",
      source: "srv",
      confirmed: true,
    };
    expect(checkResult("discovery.discover", { targets: [target] })).toBeNull();
    const cardLogin = { front: "certificate", imap: target, submission: null, imapAuthMethod: 7, smtpAuthMethod: 7 };
    expect(checkResult("discovery.discover", { targets: [target], cardLogin })).toBeNull();
    expect(checkResult("discovery.discover", { targets: [target], cardLogin: { ...cardLogin, front: "password" } })).not.toBeNull();
    expect(checkResult("discovery.discover", { targets: [target], cardLogin: { ...cardLogin, smtpAuthMethod: 0 } })).not.toBeNull();
  });

  it("knows its methods and nothing else", () => {
    expect(isMethodName("directory.search")).toBe(true);
    expect(isMethodName("__proto__")).toBe(false);
    expect(isMethodName("constructor")).toBe(false);
    expect(Object.keys(Methods).length).toBeGreaterThan(10);
  });

  it("envelopes: JSON-RPC 2.0 with an id and a method", () => {
    expect(firstError(RequestSchema, { jsonrpc: "2.0", id: 1, method: "session.hello", params: {} })).toBeNull();
    expect(firstError(RequestSchema, { jsonrpc: "1.0", id: 1, method: "x" })).not.toBeNull();
    expect(firstError(RequestSchema, { jsonrpc: "2.0", method: "x" })).not.toBeNull();
    expect(firstError(RequestSchema, { jsonrpc: "2.0", id: 1, method: "x", params: [1] })).not.toBeNull();
  });

  it("measures nesting without recursion", () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({ a: [1, { b: 2 }] })).toBe(3);
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonDepth(deep)).toBeGreaterThan(64);
  });
});
