/**
 * A private OCSP responder on a free port: `openssl ocsp` in server mode over the test PKI's
 * responder material (bridge/demo/pki.ts ocspResponder: a delegated responder certificate and an
 * `openssl ca` index). `-text` makes it print every request and response it handles, so a test can
 * prove that a client asked (and what it was told) from the log.
 *
 * openssl reads the index once at start: `setIndex` rewrites it and restarts the responder on the
 * same port (the URL in the server certificate's AIA stays valid). OpenSSL 3.0's `-port` takes a
 * number only and listens on every interface; the certificates name http://127.0.0.1:<port>/.
 */
import type { IndexEntry, OcspResponderMaterial } from "../../bridge/demo/pki.ts";
import { freePort, startDaemon, waitFor, type Daemon } from "./e2e-process.ts";

export interface OcspResponder {
  readonly port: number;
  /** The URL to put in a certificate's Authority Information Access. */
  readonly url: string;
  /** Everything the responder printed (requests and responses, as text), across restarts. */
  log(): string;
  logMark(): number;
  waitForLog(re: RegExp, timeoutMs?: number, fromMark?: number): Promise<RegExpMatchArray>;
  /** Rewrites the index (certificates good or revoked) and restarts the responder. */
  setIndex(entries: IndexEntry[]): Promise<void>;
  /** Stops the responder (the port then refuses connections: an unreachable responder). */
  stop(): Promise<void>;
  /** Starts it again after stop(). */
  start(): Promise<void>;
}

export async function startOcspResponder(material: OcspResponderMaterial, opts: { port?: number } = {}): Promise<OcspResponder> {
  const port = opts.port ?? (await freePort());
  let past = "";
  let daemon: Daemon | null = null;
  const log = () => past + (daemon?.output() ?? "");

  const start = async () => {
    if (daemon && !daemon.exited()) return;
    if (daemon) past += daemon.output();
    const d = startDaemon("openssl", [
      "ocsp",
      "-index",
      material.indexFile,
      "-port",
      String(port),
      "-rsigner",
      material.signer.certPem,
      "-rkey",
      material.signer.keyPem,
      "-CA",
      material.ca.certPem,
      "-text",
      "-ignore_err",
    ]);
    daemon = d;
    // Not a connection probe: openssl's responder stalls on a connection that sends nothing.
    await waitFor("the OCSP responder", () => d.exited() || /waiting for OCSP client connections/.test(d.output()), 10_000);
    if (d.exited()) throw new Error(`the OCSP responder did not start:\n${d.output()}`);
  };
  const stop = async () => {
    if (!daemon) return;
    await daemon.stop(2_000);
    await waitFor("the OCSP responder to exit", () => daemon?.exited(), 5_000);
  };

  await start();
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    log,
    logMark: () => log().length,
    waitForLog: (re, timeoutMs = 10_000, fromMark = 0) =>
      waitFor(`${re} in the OCSP responder's log`, () => log().slice(fromMark).match(re), timeoutMs, 100),
    async setIndex(entries) {
      await material.writeIndex(entries);
      await stop();
      await start();
    },
    stop,
    start,
  };
}
