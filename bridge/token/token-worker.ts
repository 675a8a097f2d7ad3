/**
 * The child process that loads the PKCS#11 module (Cryptolib CPS, OpenSC, SoftHSM in tests).
 * Vendor middleware can hang or crash; in a child it takes only this process down, and the bridge
 * (TokenClient) restarts it. Calls are synchronous here, which is fine: this process does nothing else.
 * It never logs in and cannot sign: see pkcs11-reader.ts.
 *
 * argv: <modulePath> <generation>. Requests and replies: worker-protocol.ts, over the IPC channel.
 */
import { pkcs11Failure, Pkcs11Reader, TokenFailure } from "./pkcs11-reader.ts";
import { fakeBehaviour, parseTestFake, TEST_FAKE_ENV, type Pkcs11TestFake } from "./pkcs11-test-fake.ts";
import type { WorkerReply, WorkerRequest, WorkerResult } from "./worker-protocol.ts";

function sleepSync(ms: number): void {
  // Blocks like a stuck native call would (the parent's timeout must kill us).
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function main(): void {
  const [modulePath, generationArg] = process.argv.slice(2);
  const generation = Number(generationArg ?? "1");
  let fake: Pkcs11TestFake | undefined;
  let fakeError: string | undefined;
  try {
    fake = parseTestFake(process.env[TEST_FAKE_ENV]);
  } catch (e) {
    // A test's typo must show, not silently test the real path instead.
    fakeError = `${TEST_FAKE_ENV} is malformed (${(e as Error).message}); unset it (it is for tests only).`;
  }
  if (fake) process.stderr.write(`token worker: TEST-ONLY PKCS#11 fake active (${TEST_FAKE_ENV}); never set it in production\n`);
  const reader = new Pkcs11Reader(modulePath ?? "", fake);
  const misbehave = fakeBehaviour(fake, generation);

  const send = (reply: WorkerReply) => process.send?.(reply);
  process.on("message", (msg: WorkerRequest) => {
    if (misbehave.delayMs > 0) sleepSync(misbehave.delayMs);
    let result: WorkerResult;
    try {
      if (fakeError && msg.op !== "close") throw new TokenFailure("TOKEN_ERROR", fakeError);
      switch (msg.op) {
        case "readCertificate":
          if (misbehave.crashOnRead) {
            process.kill(process.pid, "SIGKILL"); // what a crashing vendor library looks like from outside
          }
          result = reader.withRecovery(() => reader.readCertificate(msg.reader));
          break;
        case "tokenFlags":
          result = reader.withRecovery(() => reader.readTokenFlags(msg.reader));
          break;
        case "listTokens":
          result = reader.withRecovery(() => reader.listTokens());
          break;
        case "close":
          reader.close();
          send({ id: msg.id, ok: true, result: null });
          process.disconnect?.();
          return;
        default:
          throw new TokenFailure("TOKEN_ERROR", `Unknown token operation.`);
      }
      send({ id: msg.id, ok: true, result });
    } catch (e) {
      const f = e instanceof TokenFailure ? e : pkcs11Failure(e, "during the operation");
      send({ id: msg.id, ok: false, error: { code: f.code, message: f.message } });
    }
  });
  // The bridge went away: finalize and leave.
  process.on("disconnect", () => {
    reader.close();
    process.exit(0);
  });
  process.send?.({ ready: true, pid: process.pid });
}

if (!process.send) {
  process.stderr.write("token-worker: started without an IPC channel; the bridge starts this process itself.\n");
  process.exit(2);
}
main();
