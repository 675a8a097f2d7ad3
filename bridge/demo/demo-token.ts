/**
 * Builds the DEMO card: a SoftHSM2 token shaped like a CPS3 holding a DEMO doctor's authentication
 * certificate, issued by a DEMO test CA, in a directory of its own. Used by `mss-bridge start --demo`
 * (through makeDemoToken) and runnable by hand (scripts/make-demo-token.ts):
 *
 *   node --import tsx scripts/make-demo-token.ts <dir> [--json]
 *
 * Everything about it says DEMO (surname "DÉMO", CA and token labels) so it is never mistaken for a
 * real card. The PIN is fixed and public (DEMO_PIN): the demo's Thunderbird asks for it, never the bridge.
 * A directory already holding a complete demo token is reused as it is.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { createTestPki, type PersonalHolder } from "./pki.ts";
import { createSoftHsmToken } from "./softhsm.ts";

export const DEMO_PIN = "1234";
export const DEMO_TOKEN_LABEL = "CPS-DEMO";
export const DEMO_HOLDER: PersonalHolder = {
  idNat: "899999000001",
  surname: "DÉMO",
  givenName: "CAMILLE",
  profession: "Médecin",
};

export interface DemoToken {
  demo: true;
  /** What the bridge needs: the module and the environment that points it at the demo token. */
  modulePath: string;
  env: { SOFTHSM2_CONF: string };
  tokenLabel: string;
  dir: string;
  holder: PersonalHolder;
  /** The DEMO CA (to trust in the demo's Thunderbird profile and demo servers). */
  caCertPem: string;
  /** The demo card's certificate and its SHA-256 fingerprint (hex). */
  cardCertPem: string;
  cardCertSha256: string;
  /** A server certificate for local demo servers (localhost, 127.0.0.1) and its key. */
  serverCertPem: string;
  serverKeyPem: string;
}

const MARKER = "demo-token.json";

/** Builds (or reuses) the demo token in `dir`. Needs softhsm2-util, pkcs11-tool and openssl (scripts/setup). */
export async function makeDemoToken(dir: string): Promise<DemoToken> {
  const root = path.resolve(dir);
  const marker = path.join(root, MARKER);
  if (existsSync(marker)) {
    try {
      const saved = JSON.parse(await readFile(marker, "utf8")) as DemoToken;
      if (existsSync(saved.env.SOFTHSM2_CONF) && existsSync(saved.caCertPem)) return saved;
    } catch {
      /* unreadable: rebuild */
    }
  }
  // Start clean: a half-built token from an interrupted run would confuse SoftHSM.
  await rm(path.join(root, "token"), { recursive: true, force: true });
  await rm(path.join(root, "pki"), { recursive: true, force: true });
  await mkdir(root, { recursive: true });

  const pki = await createTestPki({
    dir: path.join(root, "pki"),
    caCommonName: "DEMO TEST AC IGC-SANTE FORT PERSONNES",
    foreignCaCommonName: "DEMO FOREIGN CA (NOT IGC-SANTE)",
    serverNames: ["localhost", "127.0.0.1"],
    doctor: DEMO_HOLDER,
    days: 3650,
  });
  const token = await createSoftHsmToken({
    dir: path.join(root, "token"),
    pki,
    tokenLabel: DEMO_TOKEN_LABEL,
    pin: DEMO_PIN,
  });
  const demo: DemoToken = {
    demo: true,
    modulePath: token.modulePath,
    env: token.env,
    tokenLabel: token.tokenLabel,
    dir: root,
    holder: DEMO_HOLDER,
    caCertPem: pki.ca.certPem,
    cardCertPem: pki.doctor.certPem,
    cardCertSha256: pki.doctor.sha256,
    serverCertPem: pki.server.certPem,
    serverKeyPem: pki.server.keyPem,
  };
  await writeFile(marker, `${JSON.stringify(demo, null, 2)}\n`);
  return demo;
}
