/**
 * The FHIR Annuaire Santé API as a live complement, against a REPLAY of the API.
 *
 * ANS's FHIR API has no test environment (production data only), so nothing here reaches it: a
 * local HTTP server (test/harness/fhir-replay-server.ts) replays the example resources of ANS's
 * documentation and implementation guide (test/fixtures/fhir/, each file naming its source, and
 * saying what was built where the examples are partial), including a second page (Bundle `link`
 * next), a red-listed mailbox, 401 for a wrong key, 5xx, an API that never answers, and 429 with
 * Retry-After.
 *
 * First the bridge's FHIR client and live directory against the replay (no bridge process), then
 * the real bridge process (`mss-bridge start`) with an offline directory imported from a generated
 * extraction, its live complement configured to the replay through a forward proxy: an offline
 * miss gets live results marked live; an offline hit and a short query send nothing; a burst of
 * keystrokes sends one request after the debounce; the key reaches only the API (header), never a
 * log, the audit log or an answer; with the API down the offline answer is the same and the live
 * call says "unreachable".
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../bridge/config/config.ts";
import { createFhirGet } from "../../bridge/directory/live/fhir-client.ts";
import { LiveDirectory } from "../../bridge/directory/live/live-directory.ts";
import { importExtraction } from "../../bridge/directory/import/import-extraction.ts";
import type { DirectoryService } from "../../bridge/services.ts";
import { writeExtraction } from "../../scripts/generate-directory.ts";
import {
  type BridgeProcess,
  openClient,
  pairWithCode,
  startBridgeProcess,
  type TestClient,
  tempDataDir,
} from "../harness/bridge-process.ts";
import { type FhirReplayServer, startFhirReplay } from "../harness/fhir-replay-server.ts";
import { startForwardProxy, type TestProxy } from "../harness/http-server.ts";
import { FIXTURES } from "./directory-fixtures.ts";

const API_KEY = "ESK-7f3a9c2e-REPLAY-b41d-0c55e8a1f6d2";
const NO_PROXY_ENV = { NO_PROXY: "", no_proxy: "", HTTPS_PROXY: "", https_proxy: "", HTTP_PROXY: "", http_proxy: "" };

const offlineMiss = { search: async () => ({ results: [], matchedOtherFields: false, fuzzy: false }), lookupByAddress: async () => null };
const silent = { info: () => undefined, warn: () => undefined };

describe("the FHIR client and the live directory against the replay (no bridge)", () => {
  let api: FhirReplayServer;
  beforeAll(async () => {
    api = await startFhirReplay({ apiKey: API_KEY });
  });
  afterAll(() => api?.close());

  const client = (over: { apiKey?: string; timeoutMs?: number } = {}) =>
    createFhirGet({ apiKey: API_KEY, baseUrl: api.baseUrl, timeoutMs: 1000, proxy: null, extraCaFile: null, env: NO_PROXY_ENV, ...over });
  const live = (get = client()) =>
    new LiveDirectory({
      config: { ...defaultConfig().directory.live, apiKey: API_KEY, baseUrl: api.baseUrl, debounceMs: 0, cacheSeconds: 0 },
      offline: offlineMiss as unknown as DirectoryService,
      get,
      log: silent,
    });

  it("pages through `next`, the red-listed mailbox left out, the key sent only as ESANTE-API-KEY", async () => {
    api.requests.length = 0;
    const r = await live().searchLive("dupont");
    expect(r.state).toBe("ok");
    expect(r.results.map((e) => [e.email, e.source])).toEqual([
      ["jean-marie.dupont@infirmier.mssante.fr", "live"],
      ["luc.dupont@ch-exemple.mssante.fr", "live"],
    ]);
    expect(api.requests.map((q) => [q.path, q.query.name ?? q.query._getpages])).toEqual([
      ["/fhir/v2/Practitioner", "dupont"],
      ["/fhir/v2", "dupont"],
    ]);
    expect(api.requests.every((q) => q.apiKey === API_KEY && !JSON.stringify(q.query).includes(API_KEY))).toBe(true);
  });

  it("401 for a wrong key, 5xx, no answer, 429 with Retry-After: each a clear failure, never with the key", async () => {
    const wrong = await client({ apiKey: "not-the-key" })(new URL(`${api.baseUrl}/Practitioner?name=dupont`));
    expect(wrong).toMatchObject({ ok: false, kind: "unauthorized" });
    const cases = [
      [{ status: 503 }, { ok: false, kind: "unreachable" }],
      [
        { status: 429, retryAfter: "2" },
        { ok: false, kind: "rate-limited", retryAfterMs: 2000 },
      ],
      [{ hang: true as const }, { ok: false, kind: "unreachable" }],
    ] as const;
    try {
      for (const [fail, expected] of cases) {
        api.fail = fail;
        const t0 = Date.now();
        const got = await client()(new URL(`${api.baseUrl}/Practitioner?name=dupont`));
        expect(got).toMatchObject(expected);
        expect(Date.now() - t0).toBeLessThan(3000);
        expect(JSON.stringify(got)).not.toContain(API_KEY);
        expect(JSON.stringify(got)).not.toContain("dupont");
      }
    } finally {
      api.fail = null;
    }
  });

  it("a 429 pauses the live directory for its Retry-After: the next call sends nothing", async () => {
    const l = live();
    api.fail = { status: 429, retryAfter: "30" };
    api.requests.length = 0;
    try {
      expect(await l.searchLive("chatelier")).toMatchObject({ state: "rate-limited", retryAfterMs: 30_000 });
      expect((await l.searchLive("chatelier")).state).toBe("rate-limited");
      expect(api.requests).toHaveLength(1);
    } finally {
      api.fail = null;
    }
  });

  it("a `next` link to another server is not followed (the key would go there)", async () => {
    const get = client();
    const r = await get(new URL("http://127.0.0.2:1/fhir/v2/Practitioner?name=x"));
    expect(r).toMatchObject({ ok: false, kind: "unreachable" });
  });
});

describe("the real bridge with its live complement configured to the replay", () => {
  let api: FhirReplayServer;
  let proxy: TestProxy;
  let bridge: BridgeProcess;
  let c: TestClient;
  let work: string;
  const answers: unknown[] = [];
  const call = async <T = any>(method: string, params: unknown): Promise<T> => {
    const r = await c.call<T>(method, params);
    answers.push(r);
    return r;
  };
  const requestsTo = (p: string) => api.requests.filter((r) => r.path === p);

  beforeAll(async () => {
    api = await startFhirReplay({ apiKey: API_KEY });
    proxy = await startForwardProxy();
    work = tempDataDir("mss-live-");
    const dataDir = path.join(work, "data");
    mkdirSync(dataDir, { mode: 0o700 });
    const generated = await writeExtraction(path.join(work, "extraction"), { lines: 300, seed: 19, fixtures: FIXTURES });
    await importExtraction({ source: generated.file, dbPath: path.join(dataDir, "directory") });
    const config = defaultConfig();
    writeFileSync(
      path.join(dataDir, "config.json"),
      JSON.stringify({
        directory: {
          refreshHours: 0,
          live: { apiKey: API_KEY, baseUrl: api.baseUrl, timeoutMs: 1500, debounceMs: config.directory.live.debounceMs },
        },
        trust: { whitelistSource: path.join(work, "no-list.xml"), refreshHours: 0 },
        network: { proxy: proxy.url },
      }),
    );
    bridge = await startBridgeProcess({ dataDir, env: NO_PROXY_ENV });
    const secret = await pairWithCode(bridge);
    c = await openClient(bridge.port);
    await c.authenticate(secret);
  }, 120_000);

  afterAll(async () => {
    c?.close();
    await bridge?.stop();
    await api?.close();
    await proxy?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("an offline hit sends nothing; the offline entries carry no `source`", async () => {
    const offline = await call<any>("directory.search", { query: "lefevre durand" });
    expect(offline.results[0]?.email).toBe("anne.lefevre-durand@medecin.mssante.fr");
    expect(offline.results[0]).not.toHaveProperty("source");
    expect(await call("directory.searchLive", { query: "lefevre durand" })).toEqual({
      results: [],
      state: "offline-hit",
      retryAfterMs: null,
    });
    expect(await call("directory.lookupLive", { address: "anne.lefevre-durand@medecin.mssante.fr" })).toMatchObject({
      state: "offline-hit",
    });
    expect(api.requests).toEqual([]);
  });

  it("short queries send nothing", async () => {
    for (const query of ["c", "ch", "cha", "c h a"]) {
      expect(await call("directory.searchLive", { query })).toMatchObject({ results: [], state: "too-short" });
    }
    expect(api.requests).toEqual([]);
  });

  it("a burst of keystrokes: one request after the debounce, through the proxy, results marked live", async () => {
    // As the extension does: searchLive only for the keystrokes the offline directory answered empty.
    const typed: string[] = [];
    const keystrokes = ["chatelier", "chatelier d", "chatelier da", "chatelier dav", "chatelier davi", "chatelier david"];
    for (const query of keystrokes) {
      if ((await call<any>("directory.search", { query })).results.length === 0) typed.push(query);
    }
    expect(typed).toEqual(keystrokes);
    const t0 = Date.now();
    const all = await Promise.all(typed.map((query) => call<any>("directory.searchLive", { query })));
    expect(all.slice(0, -1).map((a) => a.state)).toEqual(Array(typed.length - 1).fill("superseded"));
    const last = all.at(-1);
    expect(last.state).toBe("ok");
    expect(last.results).toEqual([
      expect.objectContaining({
        email: "davidchatelier@pro.mssante.fr",
        surname: "CHATELIER",
        givenName: "David",
        type: "PER",
        source: "live",
      }),
    ]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(defaultConfig().directory.live.debounceMs);
    expect(requestsTo("/fhir/v2/Practitioner").map((r) => r.query.name)).toEqual(["chatelier"]);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.apiKey).toBe(API_KEY);
    expect(proxy.seen.some((s) => s.startsWith(`GET ${api.baseUrl}/Practitioner?`))).toBe(true);
    // The same words again: from the cache.
    expect((await call<any>("directory.searchLive", { query: "david chatelier" })).results).toHaveLength(1);
    expect(api.requests).toHaveLength(1);
  });

  it("an address the offline directory does not know is looked up live", async () => {
    const r = await call<any>("directory.lookupLive", { address: "exemple.address@address.mssante.fr" });
    expect(r).toMatchObject({ state: "ok", entry: { type: "ORG", organisation: "CHRU NANCY - HOPITAUX DE BRABOIS", source: "live" } });
  });

  it("the compose guard's lookup (directory.lookupByAddress) of an address the offline directory lacks goes live, once", async () => {
    const address = "davidchatelier@pro.mssante.fr";
    api.requests.length = 0;
    const r = await call<any>("directory.lookupByAddress", { address });
    expect(r.entry).toMatchObject({ email: address, surname: "CHATELIER", type: "PER", source: "live" });
    expect(requestsTo("/fhir/v2/Practitioner").map((q) => q.query["mailbox-mss"])).toEqual([address]);
    // The guard checks again at the next send: from the cache, nothing sent.
    expect(await call<any>("directory.lookupByAddress", { address })).toEqual(r);
    // An address nobody has: one round of requests, the miss cached too.
    const nobody = "personne.inconnue@pro.mssante.fr";
    expect(await call<any>("directory.lookupByAddress", { address: nobody })).toEqual({ entry: null });
    const n = api.requests.length;
    expect(n).toBe(4); // Practitioner, PractitionerRole, Organization after the first
    expect(await call<any>("directory.lookupByAddress", { address: nobody })).toEqual({ entry: null });
    expect(api.requests.length).toBe(n);
    // An offline hit sends nothing and carries no `source`.
    const offline = await call<any>("directory.lookupByAddress", { address: "anne.lefevre-durand@medecin.mssante.fr" });
    expect(offline.entry.email).toBe("anne.lefevre-durand@medecin.mssante.fr");
    expect(offline.entry).not.toHaveProperty("source");
    expect(api.requests.length).toBe(n);
  });

  it("the API down: the offline answer is the same, the live call says unreachable within its timeout", async () => {
    const before = await call<any>("directory.search", { query: "lefevre durand" });
    api.fail = { hang: true };
    try {
      const t0 = Date.now();
      const pending = call<any>("directory.searchLive", { query: "zorglubix" });
      // Meanwhile the offline directory answers at once, unchanged.
      const during = await call<any>("directory.search", { query: "lefevre durand" });
      expect(during).toEqual(before);
      const r = await pending;
      expect(r).toMatchObject({ results: [], state: "unreachable" });
      expect(Date.now() - t0).toBeLessThan(4000);
      // Paused after the failure: the next call answers at once without a request.
      const n = api.requests.length;
      expect((await call<any>("directory.searchLive", { query: "zorglubiy" })).state).toBe("unreachable");
      expect(api.requests.length).toBe(n);
      // The guard's lookup of an unknown address: the offline answer (none), at once.
      const t1 = Date.now();
      expect(await call<any>("directory.lookupByAddress", { address: "zorglub@pro.mssante.fr" })).toEqual({ entry: null });
      expect(Date.now() - t1).toBeLessThan(1500);
    } finally {
      api.fail = null;
    }
    expect(await call<any>("directory.search", { query: "lefevre durand" })).toEqual(before);
  });

  it("the key is in no log, no audit line, no file the bridge wrote, no answer", async () => {
    await new Promise((r) => setTimeout(r, 200)); // the log and audit lines of the last calls
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const p = path.join(dir, f);
        if (f === "config.json") return []; // where the user put it
        const st = statSync(p);
        return st.isDirectory() ? files(p) : st.isFile() ? [p] : []; // not the control socket
      });
    const written = files(bridge.dataDir)
      .filter((f) => statSync(f).size < 50_000_000)
      .map((f) => readFileSync(f).toString("latin1"));
    const text = [bridge.stdout(), bridge.stderr(), JSON.stringify(answers), ...written].join("\n");
    expect(text).toContain("live directory"); // the bridge did log about it
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(API_KEY.slice(4, 20));
    const audit = readFileSync(path.join(bridge.dataDir, "audit.log"), "utf8");
    expect(audit).toContain("directory.searchLive");
    expect(audit).not.toMatch(/chatelier|zorglub/);
  });
});
