import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BRIDGE_NODE_FLAGS } from "./node-flags.ts";
import { packageFile } from "../platform/package-root.ts";

describe("the bridge's Node flags", () => {
  it("are the same in the mss-bridge shebang, npm start and the harness list", () => {
    const shebang = readFileSync(packageFile("bin/mss-bridge.mjs"), "utf8").split("\n")[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${BRIDGE_NODE_FLAGS.join(" ")}`);
    const start = (JSON.parse(readFileSync(packageFile("package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toBe(`node ${BRIDGE_NODE_FLAGS.join(" ")} bin/mss-bridge.mjs start`);
  });
});
