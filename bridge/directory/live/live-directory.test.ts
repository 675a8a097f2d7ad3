/**
 * The live complement's rules with an injected clock and a fake API (the replayed examples of
 * test/fixtures/fhir/, served in-process): token bucket, TTL cache, debounce, pauses after
 * failures, offline first, paging. No timer runs: time moves only when the test says so.
 */
import { describe, expect, it } from "vitest";
import { defaultConfig, type LiveDirectoryConfig } from "../../config/config.ts";
import type { DirectoryService } from "../../services.ts";
import type { DirectoryEntry } from "../../../shared/domain/directory-entry.ts";
import { fhirFixture } from "../../../test/harness/fhir-replay-server.ts";
import type { FhirAnswer } from "./fhir-client.ts";
import { LiveDirectory } from "./live-directory.ts";
import { burstFor, TokenBucket } from "./token-bucket.ts";
import { TtlCache } from "./ttl-cache.ts";

const BASE = "https://api.test/fhir/v2";

function fakeClock() {
  let t = 1_000_000;
  let timers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => t,
    sleep: (ms: number) => new Promise<void>((resolve) => timers.push({ at: t + ms, resolve })),
    /** Moves time on, resolving the sleeps that are due, and lets their continuations run. */
    async advance(ms: number) {
      t += ms;
      const due = timers.filter((x) => x.at <= t);
      timers = timers.filter((x) => x.at > t);
      for (const d of due) d.resolve();
      for (let i = 0; i < 20; i++) await Promise.resolve();
    },
    get pending() {
      return timers.length;
    },
  };
}

const FIXTURE_FOR: Record<string, string> = {
  "Practitioner name=chatelier": "practitioner-chatelier.json",
  "Practitioner name=dupont": "practitioner-dupont-page1.json",
  " _getpages=dupont": "practitioner-dupont-page2.json",
  "Organization name=nancy": "organization-nancy.json",
  "Practitioner mailbox-mss=davidchatelier@pro.mssante.fr": "practitioner-chatelier.json",
  "Organization mailbox-mss=exemple.address@address.mssante.fr": "organization-nancy.json",
};

function fakeApi() {
  const urls: URL[] = [];
  let failure: FhirAnswer | null = null;
  const get = async (url: URL): Promise<FhirAnswer> => {
    urls.push(url);
    if (failure) return failure;
    const type = url.pathname.replace("/fhir/v2", "").replace(/^\//, "");
    const [param, value] = [...url.searchParams][0] ?? ["", ""];
    const fixture = FIXTURE_FOR[`${type} ${param}=${value}`] ?? "empty.json";
    return { ok: true, body: fhirFixture(fixture, BASE) };
  };
  return {
    get,
    urls,
    failWith(f: FhirAnswer | null) {
      failure = f;
    },
  };
}

function offline(found: DirectoryEntry[] = []): DirectoryService {
  return {
    search: async () => ({ results: found, matchedOtherFields: false, fuzzy: false }),
    lookupByAddress: async () => found[0] ?? null,
  } as unknown as DirectoryService;
}

function setup(over: Partial<LiveDirectoryConfig> = {}, offlineFound: DirectoryEntry[] = []) {
  const clock = fakeClock();
  const api = fakeApi();
  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) } as never;
  const config = { ...defaultConfig().directory.live, apiKey: "KEY-SECRET-123", baseUrl: BASE, ...over };
  const live = new LiveDirectory({ config, offline: offline(offlineFound), get: api.get, log, now: clock.now, sleep: clock.sleep });
  return { clock, api, live, logs };
}

/** Starts a call and runs the clock past the debounce. */
async function settle<T>(clock: ReturnType<typeof fakeClock>, p: Promise<T>, ms = 300): Promise<T> {
  await clock.advance(0);
  await clock.advance(ms);
  return p;
}

describe("token bucket", () => {
  it("gives `burst` tokens at once, then `rate` a second; says how long to wait", () => {
    let t = 0;
    const b = new TokenBucket(2, 2, () => t);
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
    expect(b.waitMs()).toBe(500);
    t += 500;
    expect(b.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
    t += 10_000; // never more than the burst
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
  });

  it("a terminal server's share: 0.5 call a second is one call every 2 s, burst 1", () => {
    let t = 0;
    const b = new TokenBucket(0.5, burstFor(0.5), () => t);
    expect([b.tryTake(), b.tryTake()]).toEqual([true, false]);
    expect(b.waitMs()).toBe(2000);
    t += 2000;
    expect(b.tryTake()).toBe(true);
    expect(burstFor(17)).toBe(17);
    expect(() => new TokenBucket(0, 1, () => t)).toThrow();
  });
});

describe("TTL cache", () => {
  it("forgets an entry after its TTL, and the oldest past its size", () => {
    let t = 0;
    const c = new TtlCache<number>(1000, () => t, 2);
    c.set("a", 1);
    t += 999;
    expect(c.get("a")).toBe(1);
    t += 1;
    expect(c.get("a")).toBeUndefined();
    c.set("a", 1);
    c.set("b", 2);
    c.set("c", 3);
    expect([c.get("a"), c.get("b"), c.get("c")]).toEqual([undefined, 2, 3]);
  });
});

describe("the live directory", () => {
  it("an offline miss: one request after the debounce, entries marked live; the key stays in the fake's hands only", async () => {
    const { clock, api, live } = setup();
    const p = live.searchLive("chatelier");
    await clock.advance(0);
    await clock.advance(299);
    expect(api.urls).toHaveLength(0); // still debouncing
    const r = await settle(clock, p, 1);
    expect(r.state).toBe("ok");
    expect(r.results.map((e) => [e.email, e.source])).toEqual([["davidchatelier@pro.mssante.fr", "live"]]);
    expect(api.urls.map((u) => u.pathname + u.search)).toEqual([
      "/fhir/v2/Practitioner?name=chatelier&_revinclude=PractitionerRole%3Apractitioner",
    ]);
    expect(JSON.stringify(r)).not.toContain("KEY-SECRET-123");
  });

  it("an offline hit, a short query: nothing sent", async () => {
    const hit = setup({}, [{ email: "x@y.fr" } as DirectoryEntry]);
    expect(await hit.live.searchLive("chatelier")).toEqual({ results: [], state: "offline-hit", retryAfterMs: null });
    expect(await hit.live.lookupLive("x@y.fr")).toEqual({ entry: null, state: "offline-hit", retryAfterMs: null });
    const { api, live } = setup();
    for (const q of ["c", "ch", "cha", "c h a", "  "]) expect((await live.searchLive(q)).state).toBe("too-short");
    expect(hit.api.urls.length + api.urls.length).toBe(0);
  });

  it("a burst of keystrokes: the earlier ones are superseded at once, one request for the last after the debounce", async () => {
    const { clock, api, live } = setup();
    const calls = ["chat", "chate", "chatel", "chateli", "chatelie", "chatelier"].map((q) => live.searchLive(q));
    await clock.advance(0);
    await clock.advance(100);
    const answers = await settle(clock, Promise.all(calls));
    expect(answers.slice(0, -1).map((a) => a.state)).toEqual(Array(5).fill("superseded"));
    expect(answers.at(-1)?.state).toBe("ok");
    expect(api.urls.map((u) => u.searchParams.get("name"))).toEqual(["chatelier"]);
  });

  it("cached for its TTL: the same words again (any order) send nothing; after the TTL, once more", async () => {
    const { clock, api, live } = setup({ cacheSeconds: 60 });
    await settle(clock, live.searchLive("jean dupont"));
    const n = api.urls.length;
    expect((await live.searchLive("DUPONT jean")).results.map((e) => e.email)).toEqual(["jean-marie.dupont@infirmier.mssante.fr"]);
    expect(api.urls.length).toBe(n);
    await clock.advance(60_000);
    await settle(clock, live.searchLive("jean dupont"));
    expect(api.urls.length).toBe(2 * n);
  });

  it("paging: follows `next`, red-listed entries left out, PractitionerRole mailboxes in", async () => {
    const { clock, api, live } = setup();
    const r = await settle(clock, live.searchLive("dupont"));
    expect(r.results.map((e) => e.email)).toEqual(["jean-marie.dupont@infirmier.mssante.fr", "luc.dupont@ch-exemple.mssante.fr"]);
    expect(api.urls.map((u) => u.searchParams.get("_getpages") ?? u.searchParams.get("name"))).toEqual(["dupont", "dupont"]);
    expect(JSON.stringify(r)).not.toContain("claire.dupont");
  });

  it("nobody matched: organisations are asked next", async () => {
    const { clock, api, live } = setup();
    const r = await settle(clock, live.searchLive("chru nancy"));
    expect(r.results.map((e) => [e.email, e.type])).toEqual([["exemple.address@address.mssante.fr", "ORG"]]);
    expect(api.urls.map((u) => u.pathname.split("/").pop())).toEqual(["Practitioner", "Organization"]);
    expect(api.urls[1]?.searchParams.get("mailbox-mss:contains")).toBe("@");
  });

  it("lookup by address: Practitioner, then PractitionerRole, then Organization, stopping at the first that has it", async () => {
    const { api, live } = setup();
    expect(await live.lookupLive("davidchatelier@pro.mssante.fr")).toMatchObject({ state: "ok", entry: { type: "PER", source: "live" } });
    expect(api.urls).toHaveLength(1);
    expect((await live.lookupLive("exemple.address@address.mssante.fr")).entry?.type).toBe("ORG");
    expect(api.urls.map((u) => u.pathname.split("/").pop())).toEqual(["Practitioner", "Practitioner", "PractitionerRole", "Organization"]);
    expect(await live.lookupLive("nobody@x.mssante.fr")).toEqual({ entry: null, state: "ok", retryAfterMs: null });
  });

  it("within its rate: past the bucket it waits up to a second, then answers rate-limited without a request", async () => {
    const { clock, api, live } = setup({ requestsPerSecond: 0.25, cacheSeconds: 0 });
    expect((await live.lookupLive("davidchatelier@pro.mssante.fr")).state).toBe("ok");
    expect(await live.lookupLive("davidchatelier@pro.mssante.fr")).toEqual({ entry: null, state: "rate-limited", retryAfterMs: 4000 });
    expect(api.urls).toHaveLength(1);
    await clock.advance(3500);
    const p = live.lookupLive("davidchatelier@pro.mssante.fr"); // 500 ms to wait: it waits
    await clock.advance(0);
    await clock.advance(500);
    expect((await p).state).toBe("ok");
    expect(api.urls).toHaveLength(2);
  });

  it("429 with Retry-After: rate-limited, and nothing sent until it has passed", async () => {
    const { clock, api, live, logs } = setup({ cacheSeconds: 0 });
    api.failWith({ ok: false, kind: "rate-limited", retryAfterMs: 2000, message: "api.test asked to slow down (HTTP 429)" });
    expect(await live.lookupLive("a@b.mssante.fr")).toEqual({ entry: null, state: "rate-limited", retryAfterMs: 2000 });
    api.failWith(null);
    await clock.advance(1000);
    expect(await live.lookupLive("a@b.mssante.fr")).toMatchObject({ state: "rate-limited", retryAfterMs: 1000 });
    expect(api.urls).toHaveLength(1);
    await clock.advance(1000);
    expect((await live.lookupLive("a@b.mssante.fr")).state).toBe("ok");
    expect(logs.join("\n")).not.toContain("KEY-SECRET-123");
  });

  it("a refused key, an unreachable API: a clear state, a pause, one log line per change, and back to ok", async () => {
    const { clock, api, live, logs } = setup({ cacheSeconds: 0 });
    api.failWith({ ok: false, kind: "unauthorized", retryAfterMs: null, message: "api.test refused the API key (HTTP 401)" });
    expect((await settle(clock, live.searchLive("chatelier"))).state).toBe("unauthorized");
    expect((await settle(clock, live.searchLive("chatelier"))).state).toBe("unauthorized");
    expect(api.urls).toHaveLength(1); // paused for a minute
    await clock.advance(60_000);
    api.failWith({
      ok: false,
      kind: "unreachable",
      retryAfterMs: null,
      message: "api.test could not be reached: no answer within 5000 ms",
    });
    expect(await settle(clock, live.searchLive("chatelier"))).toEqual({ results: [], state: "unreachable", retryAfterMs: 10_000 });
    await clock.advance(10_000);
    api.failWith(null);
    expect((await settle(clock, live.searchLive("chatelier"))).state).toBe("ok");
    expect(logs).toHaveLength(3);
    expect(logs.join("\n")).not.toMatch(/KEY-SECRET-123|chatelier/);
  });
});
