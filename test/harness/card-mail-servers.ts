/**
 * The certificate front as the mail tests start it: a test PKI, Dovecot (the doctor's mailbox,
 * whose login is the card holder's idNat, and a colleague's) and Postfix (submission for the
 * doctor's card certificate, delivery into Dovecot over LMTP). Stopped in reverse order; a start
 * that fails stops what it had started.
 */
import { readFileSync } from "node:fs";
import { createTestPki, type TestPki } from "../../bridge/demo/pki.ts";
import { startDovecot, type Dovecot } from "./dovecot.ts";
import { startPostfix, type Postfix } from "./postfix.ts";

export interface CardMailServers {
  readonly pki: TestPki;
  /** The test CA's certificate (PEM), to check the servers' certificate. */
  readonly ca: Buffer;
  readonly dovecot: Dovecot;
  readonly postfix: Postfix;
  stop(): Promise<void>;
}

export async function startCardMailServers(opts: {
  /** The names the servers' certificate carries. */
  serverNames: string[];
  /** The card holder's address. */
  doctor: string;
  /** Another mailbox on the same server. */
  colleague: string;
}): Promise<CardMailServers> {
  const pki = await createTestPki({ serverNames: opts.serverNames });
  let dovecot: Dovecot | undefined;
  let postfix: Postfix | undefined;
  const stop = async () => {
    await postfix?.stop();
    await dovecot?.stop();
    await pki.cleanup();
  };
  try {
    const tlsFiles = { serverCertFile: pki.server.certPem, serverKeyFile: pki.server.keyPem, clientCaFile: pki.ca.certPem };
    dovecot = await startDovecot({
      ...tlsFiles,
      mailboxes: [{ address: opts.doctor, logins: [pki.doctorHolder.idNat] }, { address: opts.colleague }],
    });
    postfix = await startPostfix({
      ...tlsFiles,
      lmtpPort: dovecot.lmtpPort,
      allowedClientCerts: [{ certFile: pki.doctor.certPem, address: opts.doctor }],
    });
    return { pki, ca: readFileSync(pki.ca.certPem), dovecot, postfix, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
