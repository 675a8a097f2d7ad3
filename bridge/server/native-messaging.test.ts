import { describe, expect, it } from "vitest";
import { encodeNativeMessage, MAX_NATIVE_MESSAGE, NativeMessageDecoder } from "./native-messaging.ts";

describe("native-messaging framing", () => {
  it("round-trips messages split across chunks", () => {
    const a = encodeNativeMessage({ type: "pair", origin: "moz-extension://x" });
    const b = encodeNativeMessage({ type: "ping", text: "é" });
    const all = Buffer.concat([a, b]);
    const d = new NativeMessageDecoder();
    const got: unknown[] = [];
    for (let i = 0; i < all.length; i += 3) got.push(...d.push(all.subarray(i, i + 3)));
    expect(got).toEqual([
      { type: "pair", origin: "moz-extension://x" },
      { type: "ping", text: "é" },
    ]);
  });
  it("uses a little-endian length prefix", () => {
    const m = encodeNativeMessage({});
    expect(m.readUInt32LE(0)).toBe(2);
  });
  it("refuses oversize frames and marks invalid JSON", () => {
    const d = new NativeMessageDecoder();
    const head = Buffer.alloc(4);
    head.writeUInt32LE(MAX_NATIVE_MESSAGE + 1);
    expect(() => d.push(head)).toThrow();
    const bad = Buffer.concat([Buffer.from([3, 0, 0, 0]), Buffer.from("{x}")]);
    expect(new NativeMessageDecoder().push(bad)).toEqual([undefined]);
  });
});
