/**
 * Audit finding 4: the control channel (commands and the native-messaging host ↔ the bridge) trusts
 * nothing before both ends have proved the data directory's control key. On Windows another user can
 * create the bridge's named pipe first; here the same squatter is a Unix socket at the control
 * address, and the proofs are the same code on every OS. Against a REAL `mss-bridge start` process
 * and the real CLI and native-messaging host.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { controlProof } from "../../bridge/server/control-auth.ts";
import {
  closeNativeHosts,
  runBridgeCli,
  startBridgeProcess,
  startNativeHost,
  tempDataDir,
  type BridgeProcess,
} from "../harness/bridge-process.ts";
import { missingComponents } from "../harness/require-component.ts";

const skip = missingComponents("control-channel", []);

/** A server at the control address that holds no key: it records every line it receives. */
async function squat(dataDir: string, answer: (line: string, c: net.Socket) => void): Promise<{ lines: string[]; close(): Promise<void> }> {
  const lines: string[] = [];
  const server = net.createServer((c) => {
    c.setEncoding("utf8");
    c.write(`${JSON.stringify({ challenge: randomBytes(32).toString("base64") })}\n`);
    let buf = "";
    c.on("data", (d: string) => {
      buf += d;
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        answer(line, c);
      }
    });
    c.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(path.join(dataDir, "control.sock"), r));
  return { lines, close: () => new Promise((r) => server.close(() => r())) };
}

/** Reads one line from a raw connection (null when it closes first). */
function nextLine(c: net.Socket): Promise<string | null> {
  return new Promise((resolve) => {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        c.off("data", onData);
        resolve(buf.slice(0, nl));
      }
    };
    c.on("data", onData);
    c.once("close", () => resolve(null));
  });
}

describe.skipIf(skip)("control channel: both ends prove the data directory's key", () => {
  afterAll(async () => {
    await closeNativeHosts();
  });

  it("a squatter that cannot prove the key gets no command, and the commands say so", async () => {
    const dataDir = tempDataDir("mss-squat-");
    writeFileSync(path.join(dataDir, "control.key"), randomBytes(32), { mode: 0o600 }); // the user's real key
    // The squatter answers the client's proof with a proof made under another key.
    const s = await squat(dataDir, (line, c) => {
      const m = JSON.parse(line) as { auth?: { nonce: string } };
      if (m.auth)
        c.write(
          `${JSON.stringify({ auth: { proof: controlProof(randomBytes(32), "server", randomBytes(32), randomBytes(32)).toString("base64") } })}\n`,
        );
      else c.write(`${JSON.stringify({ id: 1, ok: true, result: { port: 1, credential: "x" } })}\n`);
    });
    try {
      const st = await runBridgeCli(["status"], { dataDir });
      expect(st.code).not.toBe(0);
      expect(st.stderr).toMatch(/not your MSSanté bridge answers on its control channel/);
      const pair = await runBridgeCli(["pair"], { dataDir, timeoutMs: 15_000 });
      expect(pair.code).not.toBe(0);
      expect(pair.stderr).toMatch(/not your MSSanté bridge/);

      const host = startNativeHost(dataDir);
      const first = (await host.first) as { type: string; message: string };
      expect(first.type).toBe("error");
      expect(first.message).toMatch(/not your MSSanté bridge/);
      expect(await host.exited).not.toBe(0);

      // All it ever received: the clients' proofs, never a command.
      expect(s.lines.length).toBe(3);
      for (const l of s.lines) expect(Object.keys(JSON.parse(l))).toEqual(["auth"]);
    } finally {
      await s.close();
    }
  });

  it("a squatter that never proves (silent, or closing) is refused too", async () => {
    const dataDir = tempDataDir("mss-squat-");
    writeFileSync(path.join(dataDir, "control.key"), randomBytes(32), { mode: 0o600 });
    const s = await squat(dataDir, (_line, c) => c.end());
    try {
      const st = await runBridgeCli(["status"], { dataDir });
      expect(st.code).not.toBe(0);
      expect(st.stderr).toMatch(/not your MSSanté bridge/);
      expect(s.lines.map((l) => Object.keys(JSON.parse(l)))).toEqual([["auth"]]);
    } finally {
      await s.close();
    }
  });

  describe("the real bridge", () => {
    let b: BridgeProcess;
    afterAll(async () => {
      await b?.stop();
    });

    it("keeps its key 0600 and the same across restarts; its own commands work", async () => {
      b = await startBridgeProcess();
      const keyFile = path.join(b.dataDir, "control.key");
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = readFileSync(keyFile);
      expect(key).toHaveLength(32);
      const st = await b.cli(["status", "--json"]);
      expect(st.code, st.stderr).toBe(0);
      await b.stop();
      b = await startBridgeProcess({ dataDir: b.dataDir });
      expect(readFileSync(keyFile).equals(key)).toBe(true);
      expect((await b.cli(["status", "--json"])).code).toBe(0);
    });

    it("answers a connection without the key with nothing but a refusal, and records it", async () => {
      const attempts: (string | null)[] = [];
      // 1. A command sent instead of a proof.
      let c = net.connect(path.join(b.dataDir, "control.sock"));
      const challenge = JSON.parse((await nextLine(c))!) as { challenge: string };
      expect(Buffer.from(challenge.challenge, "base64")).toHaveLength(32);
      c.write(`${JSON.stringify({ id: 1, cmd: "host.attach" })}\n`);
      attempts.push(await nextLine(c));
      expect(await nextLine(c)).toBeNull(); // closed
      // 2. A proof under another key.
      c = net.connect(path.join(b.dataDir, "control.sock"));
      const ch = Buffer.from((JSON.parse((await nextLine(c))!) as { challenge: string }).challenge, "base64");
      const nonce = randomBytes(32);
      c.write(
        `${JSON.stringify({ auth: { nonce: nonce.toString("base64"), proof: controlProof(randomBytes(32), "client", ch, nonce).toString("base64") } })}\n`,
      );
      attempts.push(await nextLine(c));
      expect(await nextLine(c)).toBeNull();
      for (const a of attempts) {
        expect(a).not.toContain("port");
        expect(JSON.parse(a!)).toMatchObject({ ok: false, error: { message: "Not authorised on this control channel." } });
      }
      // 3. Silence: closed after the 5 s deadline.
      c = net.connect(path.join(b.dataDir, "control.sock"));
      await nextLine(c);
      const t0 = Date.now();
      expect(await nextLine(c)).toBeNull();
      expect(Date.now() - t0).toBeLessThan(8_000);
      const audit = readFileSync(path.join(b.dataDir, "audit.log"), "utf8");
      expect(audit.match(/"operation":"control.auth".*"result":"refused"/g)?.length).toBe(2);
      // The bridge still serves its own user.
      expect((await b.cli(["status", "--json"])).code).toBe(0);
    });

    it("refuses to use a key other users can read, and says how to fix it", async () => {
      await b.stop();
      const keyFile = path.join(b.dataDir, "control.key");
      chmodSync(keyFile, 0o644);
      const st = await runBridgeCli(["status"], { dataDir: b.dataDir });
      expect(st.stderr).toMatch(/can be read by other users.*delete that file/);
      await expect(startBridgeProcess({ dataDir: b.dataDir, startTimeoutMs: 20_000 })).rejects.toThrow(/can be read by other users/);
      chmodSync(keyFile, 0o600);
      b = await startBridgeProcess({ dataDir: b.dataDir });
    });
  });
});
