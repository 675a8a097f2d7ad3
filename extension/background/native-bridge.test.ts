import { afterEach, describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../shared/protocol/proofs.ts";
import { testSecret } from "../test-support/fake-bridge.ts";
import { createFakeMessenger, type FakeNativeHost } from "../test-support/fake-messenger.ts";
import { parseHandOver } from "../../shared/protocol/native-hand-over.ts";
import { NativeBridge } from "./native-bridge.ts";

const LAUNCH_ID = "AbCdEfGhIjKlMnOpQrStUv";
const handOver = (port = 7555) => ({
  type: "bridge",
  port,
  credential: bytesToBase64(testSecret(4)),
  launchId: LAUNCH_ID,
  protocolVersion: 2,
  bridgeVersion: "0.1.0",
});
const FAST = { backoff: { baseMs: 20, maxMs: 100, factor: 2, jitter: 0 } };

const started: NativeBridge[] = [];
afterEach(() => {
  for (const n of started.splice(0)) n.stop();
});

/** Waits for a state, not for a time: generous, as a loaded 2-core CI machine can be slow. */
async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("the native port (connectNative, kept open)", () => {
  it("checks the host's first message strictly", () => {
    expect(parseHandOver(handOver())).toMatchObject({ type: "bridge", port: 7555, launchId: LAUNCH_ID });
    expect(parseHandOver({ ...handOver(), port: 0 })).toBeNull();
    expect(parseHandOver({ ...handOver(), credential: "short" })).toBeNull();
    expect(parseHandOver({ ...handOver(), credential: bytesToBase64(new Uint8Array(16)) })).toBeNull(); // not 32 bytes
    expect(parseHandOver({ ...handOver(), launchId: "../../x" })).toBeNull();
    expect(parseHandOver({ type: "paired", port: 7431, secret: bytesToBase64(testSecret()) })).toBeNull(); // an old host's answer
    expect(parseHandOver({ type: "error", message: "x".repeat(1000) })).toEqual({ type: "error", message: "x".repeat(300) });
    expect(parseHandOver(null)).toBeNull();
  });

  it("takes the hand-over the host sends unasked, as an in-memory pairing; sends the host nothing", async () => {
    const { messenger, fake } = createFakeMessenger();
    let host!: FakeNativeHost;
    fake.nativeApps.set("mssante_bridge", (h) => {
      host = h;
      h.send(handOver());
      return undefined;
    });
    const n = new NativeBridge(messenger, FAST);
    started.push(n);
    expect(n.pairing()).toBeNull();
    n.start();
    await until(() => n.state.kind === "ready");
    expect(n.pairing()).toMatchObject({ port: 7555, secret: bytesToBase64(testSecret(4)), via: "launch", launchId: LAUNCH_ID });
    expect(fake.storage.size).toBe(0); // nothing persisted
    expect(host.received).toEqual([]);
    // A later message does not replace the first.
    host.send(handOver(9999));
    await new Promise((r) => setTimeout(r, 20));
    expect(n.pairing()?.port).toBe(7555);
  });

  it("reconnects with backoff when the port drops, or when no host is installed", async () => {
    const { messenger, fake } = createFakeMessenger();
    const n = new NativeBridge(messenger, FAST);
    started.push(n);
    n.start();
    // Three tries (20, 40 ms…), then read the state between two tries (not during one).
    await until(() => (fake.nativeConnects.get("mssante_bridge") ?? 0) >= 3 && n.state.kind === "down");
    expect(n.state).toMatchObject({ kind: "down", reason: "No such native application mssante_bridge" });
    expect(n.pairing()).toBeNull();

    const hosts: FakeNativeHost[] = [];
    fake.nativeApps.set("mssante_bridge", (h) => {
      hosts.push(h);
      h.send(handOver(7000 + hosts.length));
      return undefined;
    });
    await until(() => n.state.kind === "ready");
    const port = n.pairing()!.port;
    hosts.at(-1)!.exit(); // the host (or its bridge) went away
    await until(() => n.state.kind === "down");
    expect(n.pairing()).toBeNull(); // its credential went with it
    await until(() => n.state.kind === "ready");
    expect(n.pairing()!.port).toBe(port + 1);
  }, 30_000);

  it("restart() closes the port and opens a new one; stop() closes it for good", async () => {
    const { messenger, fake } = createFakeMessenger();
    const closed: number[] = [];
    let count = 0;
    fake.nativeApps.set("mssante_bridge", (h) => {
      const i = ++count;
      h.send(handOver(7000 + i));
      return () => closed.push(i);
    });
    const n = new NativeBridge(messenger, FAST);
    started.push(n);
    n.start();
    await until(() => n.state.kind === "ready");
    n.restart();
    expect(closed).toEqual([1]);
    await until(() => n.pairing()?.port === 7002);
    n.stop();
    expect(closed).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 100));
    expect(count).toBe(2);
  });

  it("an error from the host (no bridge could start) is retried later", async () => {
    const { messenger, fake } = createFakeMessenger();
    fake.nativeApps.set("mssante_bridge", (h) => {
      h.send({ type: "error", code: "BRIDGE_UNAVAILABLE", message: "could not start" });
      return undefined;
    });
    const n = new NativeBridge(messenger, FAST);
    started.push(n);
    n.start();
    await until(() => n.state.kind === "down");
    expect(n.state).toMatchObject({ kind: "down", reason: "could not start" });
    await until(() => (fake.nativeConnects.get("mssante_bridge") ?? 0) >= 2);
  });
});
