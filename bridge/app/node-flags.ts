/**
 * Node flags the long-running bridge is started with (the `mss-bridge` shebang, `npm start` and the
 * test harness use the same list; keep them in step).
 * --max-semi-space-size=1: V8's young generation otherwise grows to ~32 MB under search garbage;
 * capped, the bridge with the full directory loaded peaks at 132 MB instead of 167 MB with the same
 * search latency (npm run bench:directory, see bridge/directory/README.md).
 * --max-old-space-size=96: under 50 clients typing, V8 let the old generation grow lazily and the
 * bundled bridge with the full directory went from 113 MB just started to 150 MB; capped, it peaks
 * at 128 MB with no error and the same latency (npm run bench:load, session 2). The live heap with
 * the directory loaded is ~14 MB (the index itself is typed arrays outside the heap), and every
 * input is bounded (64 connections, 16 KiB messages, 100 results), so 96 MB is ~5× what is used.
 * --v8-pool-size=1: one V8 platform worker thread instead of one per core (Node's default): under
 * 50 clients typing on Node 26, the bundled bridge's RSS peak went from 167.7 MB to 159.1 MB with
 * the same latency (p95 ratio 0.34 vs 0.37, 0.46 vs 0.49 ms of CPU per search; npm run bench:load,
 * the flag through NODE_OPTIONS, same session). The bridge's work is on its main thread; those
 * threads only run V8's background GC and compilation tasks.
 */
export const BRIDGE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--max-old-space-size=96", "--v8-pool-size=1"];
