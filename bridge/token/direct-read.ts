/**
 * FOR BENCHMARKS ONLY: the identity read through pkcs11js directly, in this process, to compare
 * with the same read over the WebSocket (TokenClient's child process + the protocol). The bridge
 * itself never calls PKCS#11 on its event loop: use TokenClient.
 */
import type { CardIdentity } from "../../shared/domain/identity.ts";
import { parseCardIdentity } from "./parse-identity.ts";
import { Pkcs11Reader } from "./pkcs11-reader.ts";

export interface DirectReader {
  /** One identity read on the already initialised module (the warm path, like the child's). */
  readIdentity(): CardIdentity;
  close(): void;
}

/**
 * Loads the module in this process. `env` (e.g. SOFTHSM2_CONF) is put into this process's
 * environment for good, since the module reads it at C_Initialize and may read it again later.
 */
export function createDirectReader(modulePath: string, env: NodeJS.ProcessEnv = {}): DirectReader {
  for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
  const reader = new Pkcs11Reader(modulePath);
  reader.open();
  return {
    readIdentity: () => parseCardIdentity(Buffer.from(reader.readCertificate().der, "base64")),
    close: () => reader.close(),
  };
}

/** Cold read: load, initialise, read, finalize. */
export async function readIdentityDirect(modulePath: string, env: NodeJS.ProcessEnv = {}): Promise<CardIdentity> {
  const r = createDirectReader(modulePath, env);
  try {
    return r.readIdentity();
  } finally {
    r.close();
  }
}
