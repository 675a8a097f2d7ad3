/**
 * Protocol fuzzing against a REAL `mss-bridge start` process: the regression corpus, then 10,000
 * seeded malformed frames (test/hardening/fuzz-generator.ts) both before and after authentication,
 * on parallel connections paced under the per-connection rate limit, reconnecting whenever a limit
 * closes a connection. Zero crashes, every frame answered with a typed JSON-RPC error (or a result,
 * for a mutation that happens to be valid) or the connection closed, no answer repeating the input,
 * the bridge still answering afterwards, and nothing of the frames in its logs.
 *
 * Seed: FUZZ_SEED (default DEFAULT_FUZZ_SEED); count: FUZZ_CASES (default 10,000).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_FUZZ_SEED, digestCases, ECHO_MARKER, FAMILIES, fuzzCases } from "../hardening/fuzz-generator.ts";
import { runFuzz, type FuzzStats } from "../hardening/fuzz-driver.ts";
import { loadCorpus } from "../hardening/corpus.ts";
import { ORIGINS, secretForms, startHardenedBridge, type HardenedBridge } from "../hardening/hardened-bridge.ts";
import { missingComponents } from "../harness/require-component.ts";
import path from "node:path";
import { openClient, runBridgeCli, tempDataDir } from "../harness/bridge-process.ts";
import { writeExtraction } from "../../scripts/generate-directory.ts";
import { Methods } from "../../shared/protocol/schemas.ts";

const skip = missingComponents("hardening-fuzz", []);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : DEFAULT_FUZZ_SEED;
const COUNT = process.env.FUZZ_CASES ? Number(process.env.FUZZ_CASES) : 10_000;

function summary(label: string, s: FuzzStats): string {
  return `${label}: sent ${s.sent}, reached the parser ${s.reachedParser} (typed errors ${s.typedErrors}, valid by chance ${s.successes}), rate-limited ${s.rateLimited}, closed ${JSON.stringify(s.closes)}, reconnects ${s.reconnects}, retried ${s.retried}, failures ${s.failures.length}, ${s.ms} ms; errors ${JSON.stringify(s.errorCodes)}`;
}

describe("fuzz generator", () => {
  it("is deterministic: same seed, same cases; another seed, other cases", () => {
    const a = digestCases(fuzzCases(SEED, 1500));
    expect(digestCases(fuzzCases(SEED, 1500))).toBe(a);
    expect(digestCases(fuzzCases(SEED + 1, 1500))).not.toBe(a);
    const fams = new Set<string>();
    for (const c of fuzzCases(SEED, 200)) fams.add(c.family);
    expect([...fams].sort()).toEqual([...FAMILIES].sort());
  });
});

describe.skipIf(skip)("hardening: protocol fuzzing (real bridge process)", () => {
  let b: HardenedBridge;
  let postSecret: Uint8Array<ArrayBuffer>;
  let preSecret: Uint8Array<ArrayBuffer>;
  beforeAll(async () => {
    // A real directory index, so that the fuzzed searches and lookups reach the search engine.
    const dataDir = tempDataDir("mss-hardening-fuzz-");
    const g = await writeExtraction(path.join(dataDir, "src"), { lines: 2000, seed: 99, date: "202611230300" });
    const imp = await runBridgeCli(["directory", "import", g.file, "--quiet", "--data-dir", dataDir]);
    expect(imp.code, imp.stderr).toBe(0);
    b = await startHardenedBridge({ dataDir });
    postSecret = await b.pair(ORIGINS.post);
    preSecret = await b.pair(ORIGINS.pre);
  });
  afterAll(async () => {
    if (!b) return;
    const code = await b.stop();
    expect(code).toBe(0);
  });

  const stillServes = async () => {
    expect(b.alive()).toBe(true);
    const c = await openClient(b.port, ORIGINS.post);
    await c.authenticate(postSecret);
    const status = await c.call("bridge.status");
    expect(status.bridgeVersion).toEqual(expect.any(String));
    expect(status.directory.count).toBeGreaterThan(1000);
    expect((await c.call("directory.search", { query: "martin", limit: 5 })).results.length).toBeGreaterThan(0);
    c.close();
  };

  it("the regression corpus: each case answered as required, before and after authentication", async () => {
    const corpus = loadCorpus();
    expect(corpus.length).toBeGreaterThan(0);
    const [pre, post] = await Promise.all([
      runFuzz(corpus, { port: b.port, origin: ORIGINS.pre, workers: 2 }),
      runFuzz(corpus, { port: b.port, origin: ORIGINS.post, secret: postSecret, workers: 2 }),
    ]);
    console.log(summary("corpus before auth", pre));
    console.log(summary("corpus after auth", post));
    const explain = (s: FuzzStats) => s.failures.map((f) => `${corpus[-1 - f.n]?.file} #${-1 - f.n}: ${f.problem}`);
    expect(explain(pre)).toEqual([]);
    expect(explain(post)).toEqual([]);
    await stillServes();
  });

  it(`${COUNT} seeded malformed frames (seed ${SEED.toString(16)}) before and after authentication: no crash, all answered or closed`, async () => {
    const cases = [...fuzzCases(SEED, COUNT)];
    const [pre, post] = await Promise.all([
      runFuzz(cases, { port: b.port, origin: ORIGINS.pre, workers: 8 }),
      runFuzz(cases, { port: b.port, origin: ORIGINS.post, secret: postSecret, workers: 8 }),
    ]);
    console.log(summary(`fuzz seed ${SEED.toString(16)} before auth`, pre));
    console.log(summary(`fuzz seed ${SEED.toString(16)} after auth`, post));
    const explain = (s: FuzzStats) => s.failures.slice(0, 20).map((f) => `#${f.n} ${f.family}: ${f.problem}`);
    expect(explain(pre)).toEqual([]);
    expect(explain(post)).toEqual([]);
    for (const s of [pre, post]) {
      expect(s.sent).toBe(COUNT);
      // Paced under the limit: everything answered went through the parser.
      expect(s.rateLimited).toBe(0);
      expect(s.reachedParser + Object.values(s.closes).reduce((a, x) => a + x, 0)).toBe(COUNT);
      expect(s.reachedParser).toBeGreaterThan(COUNT * 0.85);
    }
    // Zero crashes: same process, still answering.
    await stillServes();
  }, 120_000);

  it("before authentication nothing but the pre-auth methods ever succeeded", () => {
    const ops = b
      .auditLog()
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { operation: string; origin: string; result: string });
    const okPre = ops
      .filter((o) => o.origin === ORIGINS.pre && o.result === "ok" && Object.hasOwn(Methods, o.operation))
      .map((o) => o.operation);
    expect(okPre).toContain("session.hello");
    for (const op of new Set(okPre)) expect(Methods[op as keyof typeof Methods]?.preAuth, op).toBe(true);
  });

  it("nothing of the frames, and no secret, is in the bridge's output, logs or audit log", () => {
    const text = b.stdout() + b.stderr() + b.writtenText();
    expect(text).not.toContain(ECHO_MARKER);
    expect(text.toLowerCase()).not.toContain(ECHO_MARKER.toLowerCase());
    for (const s of [postSecret, preSecret]) for (const f of secretForms(s)) expect(text).not.toContain(f);
    // No unexpected exception reached the session's catch-all.
    expect(b.stderr()).not.toMatch(/"msg":"(session error|method failed)"/);
  });
});
