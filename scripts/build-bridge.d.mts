/** Types of scripts/build-bridge.mjs (a plain Node script, imported by the test harness). */
export declare const BRIDGE_BUNDLE_DIR: string;
export declare function buildBridge(): Promise<void>;
