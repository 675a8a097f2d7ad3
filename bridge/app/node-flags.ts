/**
 * Node flags the long-running bridge is started with (the `mss-bridge` shebang, `npm start` and the
 * test harness use the same list; keep them in step).
 * --max-semi-space-size=1: V8's young generation otherwise grows to ~32 MB under search garbage;
 * capped, the bridge with the full directory loaded peaks at 132 MB instead of 167 MB with the same
 * search latency (npm run bench:directory, see bridge/directory/README.md).
 */
export const BRIDGE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1"];
