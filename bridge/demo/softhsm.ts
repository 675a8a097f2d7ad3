/**
 * A SoftHSM2 token shaped like a CPS3, in a temporary directory: token label CPS-TEST, the
 * authentication key `CPS_PRIV_AUT` (id 01) and the certificate "Certificat d'Authentification CPS"
 * (id 01) from the test PKI, RSA-PSS disabled (a CPS3 signs PKCS#1 v1.5 only, which is what forces
 * TLS 1.2 for client authentication) and the removable-device flag set.
 *
 * Recipe: shared testing notes, sections 1 and 5 (SoftHSM2 + pkcs11-tool). Used by the token tests,
 * the demo token script and the end-to-end tests (Thunderbird logging into Dovecot with this key).
 * Everything lives under `dir`; point a process at the token with `env.SOFTHSM2_CONF`.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createTestPki, type IssuedCert, type TestPki } from "./pki.ts";

const run = promisify(execFile);

const MODULE_CANDIDATES = [
  "/usr/lib/softhsm/libsofthsm2.so",
  "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/local/lib/softhsm/libsofthsm2.so",
];

/** The SoftHSM2 PKCS#11 module on this machine (Debian's path first). */
export function softHsmModulePath(): string {
  return MODULE_CANDIDATES.find((p) => existsSync(p)) ?? MODULE_CANDIDATES[0]!;
}

/** The CPS's PKCS#11 object labels (see the MSSanté domain notes). */
export const CPS_AUTH_CERT_LABEL = "Certificat d'Authentification CPS";
export const CPS_AUTH_KEY_LABEL = "CPS_PRIV_AUT";
export const CPS_SIGN_CERT_LABEL = "Certificat de Signature CPS";
export const CPS_SIGN_KEY_LABEL = "CPS_PRIV_SIG";

/** Mechanisms a CPS3 lacks. The empty first entry matters: without it SoftHSM 2.6.1 keeps CKM_RSA_PKCS_PSS. */
export const PSS_MECHANISMS_DISABLED =
  "-,CKM_RSA_PKCS_PSS,CKM_SHA1_RSA_PKCS_PSS,CKM_SHA224_RSA_PKCS_PSS,CKM_SHA256_RSA_PKCS_PSS,CKM_SHA384_RSA_PKCS_PSS,CKM_SHA512_RSA_PKCS_PSS";

export interface CardFiles {
  certDer: string;
  keyPkcs8Der: string;
}

export interface SoftHsmOptions {
  /** Directory to build in (created); a fresh temp dir when omitted (and removed by cleanup()). */
  dir?: string;
  tokenLabel?: string;
  pin?: string;
  soPin?: string;
  /** Certificate and key stored as the authentication pair; default: the doctor's of `pki`. */
  card?: CardFiles;
  /** Also store a signature pair (CPS_PRIV_SIG / "Certificat de Signature CPS", id 02). */
  signature?: CardFiles;
  /** The PKI to take the doctor's certificate from; a fresh one (under dir/pki) when omitted. */
  pki?: TestPki;
  /** Leave CKM_RSA_PKCS_PSS enabled (a CPS4-like token). Default false: PSS disabled, like a CPS3. */
  keepPss?: boolean;
  /** Default true: CKF_REMOVABLE_DEVICE, like a card in a reader. */
  removable?: boolean;
  /** Label of the authentication certificate (default the CPS's); change it to test fallbacks. */
  authCertLabel?: string;
  /** Initialise the token but store nothing in it (a card without certificates). */
  empty?: boolean;
}

export interface SoftHsmToken {
  modulePath: string;
  /** Add to the environment of every process that loads the module. */
  env: { SOFTHSM2_CONF: string };
  pin: string;
  soPin: string;
  tokenLabel: string;
  dir: string;
  confPath: string;
  tokenDir: string;
  /** The PKI the card certificate came from (when the harness made or was given one). */
  pki: TestPki | undefined;
  /** The certificate stored as the authentication certificate. */
  card: CardFiles | IssuedCert;
  /** Moves the token's files away: the module then shows no initialised token (card pulled). */
  removeToken(): Promise<void>;
  /** Puts the token's files back (card re-inserted). */
  restoreToken(): Promise<void>;
  /** Runs pkcs11-tool against this token with its SOFTHSM2_CONF (e.g. a deliberate wrong login). */
  pkcs11Tool(args: string[]): Promise<{ stdout: string; stderr: string }>;
  cleanup(): Promise<void>;
}

export function softHsmConfig(tokenDir: string, opts: { keepPss?: boolean; removable?: boolean } = {}): string {
  const lines = [
    `directories.tokendir = ${tokenDir}`,
    "objectstore.backend = file",
    "log.level = ERROR",
    `slots.removable = ${opts.removable === false ? "false" : "true"}`,
  ];
  if (!opts.keepPss) lines.push(`slots.mechanisms = ${PSS_MECHANISMS_DISABLED}`);
  return `${lines.join("\n")}\n`;
}

async function tool(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(cmd, args, { env });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    // Never echo the arguments: they hold the PIN.
    throw new Error(`${cmd} failed: ${(err.stderr || err.stdout || err.message).trim()}`);
  }
}

export async function createSoftHsmToken(opts: SoftHsmOptions = {}): Promise<SoftHsmToken> {
  const ownDir = !opts.dir;
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), "mss-softhsm-")));
  const tokenDir = path.join(dir, "tokens");
  await mkdir(tokenDir, { recursive: true });
  const confPath = path.join(dir, "softhsm2.conf");
  await writeFile(confPath, softHsmConfig(tokenDir, opts));

  const tokenLabel = opts.tokenLabel ?? "CPS-TEST";
  const pin = opts.pin ?? "1234";
  const soPin = opts.soPin ?? "12345678";
  const modulePath = softHsmModulePath();
  const env = { ...process.env, SOFTHSM2_CONF: confPath };

  let pki = opts.pki;
  let card: CardFiles | IssuedCert | undefined = opts.card;
  if (!card) {
    pki ??= await createTestPki({ dir: path.join(dir, "pki") });
    card = pki.doctor;
  }

  await tool("softhsm2-util", ["--init-token", "--free", "--label", tokenLabel, "--so-pin", soPin, "--pin", pin], env);

  const pkcs11Tool = (args: string[]) => tool("pkcs11-tool", ["--module", modulePath, "--token-label", tokenLabel, ...args], env);
  const write = async (files: CardFiles, id: string, keyLabel: string, certLabel: string) => {
    await pkcs11Tool([
      "--login",
      "--pin",
      pin,
      "--write-object",
      files.keyPkcs8Der,
      "--type",
      "privkey",
      "--id",
      id,
      "--label",
      keyLabel,
      "--usage-sign",
    ]);
    await pkcs11Tool(["--login", "--pin", pin, "--write-object", files.certDer, "--type", "cert", "--id", id, "--label", certLabel]);
  };
  if (!opts.empty) {
    await write(card, "01", CPS_AUTH_KEY_LABEL, opts.authCertLabel ?? CPS_AUTH_CERT_LABEL);
    if (opts.signature) await write(opts.signature, "02", CPS_SIGN_KEY_LABEL, CPS_SIGN_CERT_LABEL);
  }

  const removedDir = path.join(dir, "tokens.removed");
  return {
    modulePath,
    env: { SOFTHSM2_CONF: confPath },
    pin,
    soPin,
    tokenLabel,
    dir,
    confPath,
    tokenDir,
    pki,
    card,
    pkcs11Tool,
    removeToken: async () => {
      if (existsSync(removedDir)) return;
      await rename(tokenDir, removedDir);
      await mkdir(tokenDir);
    },
    restoreToken: async () => {
      if (!existsSync(removedDir)) return;
      await rm(tokenDir, { recursive: true, force: true });
      await rename(removedDir, tokenDir);
    },
    cleanup: async () => {
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
