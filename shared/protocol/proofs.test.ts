import { describe, expect, it } from "vitest";
import {
  boundBridgeProof,
  boundClientProof,
  bridgeProof,
  clientProof,
  openSecret,
  pairingProof,
  randomNonce,
  sameProof,
  sealSecret,
} from "./proofs.ts";
import { firstError } from "./validate.ts";
import { Nonce, Proof } from "./schemas.ts";

const secret = new Uint8Array(32).fill(7);
const origin = "moz-extension://0b7a4f2e-1111-2222-3333-444455556666";

describe("connection proofs", () => {
  it("nonces and proofs have the shapes the schemas require", async () => {
    const n = randomNonce();
    expect(firstError(Nonce, n)).toBeNull();
    expect(firstError(Proof, await clientProof(secret, n, randomNonce(), origin))).toBeNull();
  });

  it("the two directions never produce the same proof (domain separation)", async () => {
    const c = randomNonce();
    const b = randomNonce();
    expect(await bridgeProof(secret, c, b, origin)).not.toBe(await clientProof(secret, c, b, origin));
  });

  it("a proof is bound to both nonces, the origin and the secret", async () => {
    const c = randomNonce();
    const b = randomNonce();
    const p = await clientProof(secret, c, b, origin);
    expect(await clientProof(secret, c, b, origin)).toBe(p);
    expect(await clientProof(secret, c, randomNonce(), origin)).not.toBe(p); // replay on another connection
    expect(await clientProof(secret, randomNonce(), b, origin)).not.toBe(p);
    expect(await clientProof(secret, c, b, `${origin}x`)).not.toBe(p);
    expect(await clientProof(new Uint8Array(32).fill(8), c, b, origin)).not.toBe(p);
  });

  it("compares proofs without short-circuiting on length or content", () => {
    expect(sameProof("ab", "ab")).toBe(true);
    expect(sameProof("ab", "ac")).toBe(false);
    expect(sameProof("ab", "abc")).toBe(false);
  });
});

describe("version 2 proofs: bound to the connection", () => {
  const at = { origin, port: 7431, host: "127.0.0.1:7431" };

  it("bind the port and the Host too: a relay on another port gets proofs for the wrong connection", async () => {
    const c = randomNonce();
    const b = randomNonce();
    const p = await boundClientProof(secret, c, b, at);
    expect(await boundClientProof(secret, c, b, { ...at })).toBe(p);
    expect(await boundClientProof(secret, c, b, { ...at, port: 7432 })).not.toBe(p);
    expect(await boundClientProof(secret, c, b, { ...at, host: "localhost:7431" })).not.toBe(p);
    expect(await boundClientProof(secret, c, b, { ...at, host: "127.0.0.1:7431".toUpperCase() })).toBe(p); // Host is case-insensitive
    expect(await boundClientProof(secret, c, b, { ...at, origin: `${origin}x` })).not.toBe(p);
    const q = await boundBridgeProof(secret, c, b, at, true);
    expect(await boundBridgeProof(secret, c, b, { ...at, port: 7432 }, true)).not.toBe(q);
    expect(await boundBridgeProof(secret, c, b, { ...at, host: "127.0.0.1:7432" }, true)).not.toBe(q);
  });

  it("the bridge's proof covers its `paired` answer, and differs from the client's and from version 1", async () => {
    const c = randomNonce();
    const b = randomNonce();
    const paired = await boundBridgeProof(secret, c, b, at, true);
    expect(await boundBridgeProof(secret, c, b, at, false)).not.toBe(paired);
    expect(await boundClientProof(secret, c, b, at)).not.toBe(paired);
    expect(await bridgeProof(secret, c, b, origin)).not.toBe(paired);
    expect(await clientProof(secret, c, b, origin)).not.toBe(await boundClientProof(secret, c, b, at));
  });
});

describe("pairing code", () => {
  it("the code's proof ignores case, spaces and dashes as typed", async () => {
    const pn = randomNonce();
    const cn = randomNonce();
    expect(await pairingProof("abcd-efgh", pn, cn, origin)).toBe(await pairingProof("ABCD EFGH", pn, cn, origin));
  });

  it("the sealed secret opens only with the same code and nonces", async () => {
    const pn = randomNonce();
    const cn = randomNonce();
    const sealed = await sealSecret(secret, "K7PQ-M2XW", pn, cn);
    expect([...(await openSecret(sealed, "k7pq m2xw", pn, cn))]).toEqual([...secret]);
    await expect(openSecret(sealed, "K7PQ-M2XX", pn, cn)).rejects.toThrow();
    await expect(openSecret(sealed, "K7PQ-M2XW", randomNonce(), cn)).rejects.toThrow();
  });
});
