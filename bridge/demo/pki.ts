/**
 * A throw-away test PKI made with the real openssl command line, in a temporary directory:
 * a CA named like IGC-Santé's ("TEST AC IGC-SANTE FORT PERSONNES") that issues the server
 * certificates and the card certificates, and a FOREIGN CA issuing certificates of the same shape
 * (what a server must refuse). Card certificates look like a CPS's authentication certificate:
 * personal `C=FR, title=<profession>, CN=<idNat>+SN=<surname>+GN=<given name>` (multi-valued RDN),
 * staff `C=FR, OU=<structure>, CN=<id>/<suffix>`, extendedKeyUsage clientAuth, RSA 2048.
 *
 * Used by the demo card's token (demo-token.ts), the token tests and the end-to-end tests (Dovecot,
 * Postfix, Thunderbird), so it stays general: every file is exported as PEM, DER and (keys) PKCS#8
 * DER.
 */
import { execFile } from "node:child_process";
import { createHash, createPrivateKey, randomBytes, X509Certificate } from "node:crypto";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The holder of a personal CPS (doctor, pharmacist, …). */
export interface PersonalHolder {
  /** National identifier with its prefix digit, e.g. "810001234567" (8 + RPPS). */
  idNat: string;
  surname: string;
  givenName: string;
  /** `title` of the subject, e.g. "Médecin". */
  profession: string;
}

/** The holder of a staff card (CPE/CPA): `CN=<id>/<suffix>`, `OU=<structure>`. */
export interface StaffHolder {
  id: string;
  suffix: string;
  structure: string;
  /** Optional organisation (`O`). */
  organisation?: string;
}

/** Files of one issued certificate (absolute paths) and its fingerprint. */
export interface IssuedCert {
  name: string;
  /** Subject as openssl prints it (RFC 2253), for logs and assertions. */
  subject: string;
  certPem: string;
  certDer: string;
  keyPem: string;
  /** Private key as PKCS#8 DER (what `pkcs11-tool --write-object --type privkey` takes). */
  keyPkcs8Der: string;
  /** SHA-256 of the DER certificate, hex lower case (Postfix relay_clientcerts, identity checks). */
  sha256: string;
  /** Serial number, hex lower case, no leading zeros. */
  serial: string;
}

export interface TestCa {
  name: string;
  commonName: string;
  certPem: string;
  certDer: string;
  keyPem: string;
  sha256: string;
}

export interface TestPkiOptions {
  /** Directory to write into (created); a fresh temp dir when omitted. */
  dir?: string;
  caCommonName?: string;
  foreignCaCommonName?: string;
  /** Subject alternative names of the default server certificate (DNS names or IP addresses). */
  serverNames?: string[];
  doctor?: Partial<PersonalHolder>;
  staff?: Partial<StaffHolder>;
  /** Validity of the issued certificates in days (default 825). */
  days?: number;
}

export interface TestPki {
  dir: string;
  ca: TestCa;
  foreignCa: TestCa;
  server: IssuedCert;
  doctor: IssuedCert;
  doctorHolder: PersonalHolder;
  staff: IssuedCert;
  staffHolder: StaffHolder;
  /** The doctor's subject shape, issued by the foreign CA. */
  foreign: IssuedCert;
  issuePersonal(name: string, holder: PersonalHolder, by?: TestCa): Promise<IssuedCert>;
  issueStaff(name: string, holder: StaffHolder, by?: TestCa): Promise<IssuedCert>;
  issueServer(name: string, altNames: string[], by?: TestCa, extra?: ServerCertExtras): Promise<IssuedCert>;
  /** A delegated OCSP responder of `by` (default the CA) and its index file, empty (every serial "unknown") until written. */
  ocspResponder(name: string, by?: TestCa): Promise<OcspResponderMaterial>;
  cleanup(): Promise<void>;
}

/** What a server certificate may carry besides its names. */
export interface ServerCertExtras {
  /** OCSP responder URL written into the Authority Information Access extension (id-ad-ocsp). */
  ocspUrl?: string;
  /** CRL URL written into the CRL Distribution Points extension. */
  crlUrl?: string;
}

/** A certificate's revocation status as an `openssl ca`-style index records it. */
export interface IndexEntry {
  cert: IssuedCert;
  /** Revoked at this date; absent: valid ("good"). */
  revokedAt?: Date;
}

/**
 * What `openssl ocsp` needs to answer for one CA: a responder certificate issued by the CA
 * (extendedKeyUsage OCSPSigning, a "delegated responder" as real CAs run), its key, the CA, and an
 * index file in `openssl ca`'s format. Serve it with `openssl ocsp -index <indexFile> -port
 * 127.0.0.1:<port> -rsigner <signer.certPem> -rkey <signer.keyPem> -CA <ca.certPem>`.
 */
export interface OcspResponderMaterial {
  ca: TestCa;
  signer: IssuedCert;
  indexFile: string;
  /** Rewrites the index with these certificates (any other serial is then "unknown"). */
  writeIndex(entries: IndexEntry[]): Promise<void>;
}

/** The CA's name: like IGC-Santé's, so the bridge and the extension take its cards for CPS cards. */
export const TEST_CA_NAME = "TEST AC IGC-SANTE FORT PERSONNES";

/** The card holder of the tests (test/fixtures/identity.ts: the identity the bridge reads). */
export const DEFAULT_DOCTOR: PersonalHolder = {
  idNat: "810001234567",
  surname: "DUPONT",
  givenName: "JEAN",
  profession: "Médecin",
};

export const DEFAULT_STAFF: StaffHolder = {
  id: "3750000001",
  suffix: "0042",
  structure: "CENTRE HOSPITALIER DE TEST",
};

export const DEFAULT_SERVER_NAMES = ["imap.cert.mssante.test", "smtp.cert.mssante.test", "localhost", "127.0.0.1"];

/** Escapes a value for openssl's `-subj` syntax (`/` separates RDNs, `+` joins multi-valued ones). */
export function escapeSubjectValue(value: string): string {
  return value.replace(/[\\/+]/g, (c) => `\\${c}`);
}

export function personalSubject(h: PersonalHolder): string {
  const e = escapeSubjectValue;
  return `/C=FR/title=${e(h.profession)}/CN=${e(h.idNat)}+SN=${e(h.surname)}+GN=${e(h.givenName)}`;
}

export function staffSubject(h: StaffHolder): string {
  const e = escapeSubjectValue;
  const o = h.organisation ? `/O=${e(h.organisation)}` : "";
  return `/C=FR${o}/OU=${e(h.structure)}/CN=${e(`${h.id}/${h.suffix}`)}`;
}

// A private minimal config: independent of the system openssl.cnf and its default extensions.
const REQ_CONFIG = `[req]
distinguished_name = dn
string_mask = utf8only
prompt = no
[dn]
`;

function isIp(name: string): boolean {
  return /^[0-9.]+$/.test(name) || name.includes(":");
}

function randomSerial(): string {
  const b = randomBytes(12);
  b[0] = (b[0]! & 0x7f) | 0x10; // positive, no leading zero byte
  return b.toString("hex");
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run("openssl", args, { cwd });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${err.stderr ?? err.message}`);
  }
}

async function describe(dir: string, name: string, certPemPath: string, keyPemPath: string) {
  const pem = await readFile(certPemPath);
  const x = new X509Certificate(pem);
  const certDer = path.join(dir, `${name}.der`);
  await writeFile(certDer, x.raw);
  const keyPkcs8Der = path.join(dir, `${name}.p8.der`);
  const key = createPrivateKey(await readFile(keyPemPath));
  await writeFile(keyPkcs8Der, key.export({ type: "pkcs8", format: "der" }), { mode: 0o600 });
  return {
    x,
    certDer,
    keyPkcs8Der,
    sha256: createHash("sha256").update(x.raw).digest("hex"),
    serial: x.serialNumber.toLowerCase().replace(/^0+(?=.)/, ""),
  };
}

async function makeCa(dir: string, name: string, commonName: string, days: number): Promise<TestCa> {
  const certPem = path.join(dir, `${name}.crt`);
  const keyPem = path.join(dir, `${name}.key`);
  const cnf = path.join(dir, `${name}.cnf`);
  await writeFile(
    cnf,
    REQ_CONFIG +
      `CN = placeholder
[ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`,
  );
  const subj = `/C=FR/O=${escapeSubjectValue("TEST ASIP-SANTE")}/OU=TEST/CN=${escapeSubjectValue(commonName)}`;
  await openssl(
    [
      "req",
      "-x509",
      "-config",
      cnf,
      "-extensions",
      "ext",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyPem,
      "-out",
      certPem,
      "-days",
      String(days + 365),
      "-subj",
      subj,
      "-utf8",
      "-set_serial",
      `0x${randomSerial()}`,
    ],
    dir,
  );
  const d = await describe(dir, name, certPem, keyPem);
  return { name, commonName, certPem, certDer: d.certDer, keyPem, sha256: d.sha256 };
}

async function issue(dir: string, name: string, subject: string, ext: string, ca: TestCa, days: number): Promise<IssuedCert> {
  const keyPem = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const certPem = path.join(dir, `${name}.crt`);
  const cnf = path.join(dir, `${name}.cnf`);
  await writeFile(cnf, `${REQ_CONFIG}CN = placeholder\n[ext]\n${ext}`);
  await openssl(
    [
      "req",
      "-new",
      "-config",
      cnf,
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyPem,
      "-out",
      csr,
      "-subj",
      subject,
      "-multivalue-rdn",
      "-utf8",
    ],
    dir,
  );
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      ca.certPem,
      "-CAkey",
      ca.keyPem,
      "-set_serial",
      `0x${randomSerial()}`,
      "-days",
      String(days),
      "-extfile",
      cnf,
      "-extensions",
      "ext",
      "-sha256",
      "-out",
      certPem,
    ],
    dir,
  );
  const d = await describe(dir, name, certPem, keyPem);
  const printed = await run("openssl", ["x509", "-in", certPem, "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb"]);
  return {
    name,
    subject: printed.stdout.trim().replace(/^subject=/, ""),
    certPem,
    certDer: d.certDer,
    keyPem,
    keyPkcs8Der: d.keyPkcs8Der,
    sha256: d.sha256,
    serial: d.serial,
  };
}

/** openssl's UTCTime as index files hold it: YYMMDDHHMMSSZ. */
function indexTime(d: Date): string {
  return d.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, "$1$2$3$4$5$6Z");
}

/**
 * An `openssl ca` index (index.txt): one line per certificate, tab-separated: status V (valid) or
 * R (revoked), expiry, revocation date (empty when valid), serial in upper-case hex (an even
 * number of digits, as openssl writes it), file name ("unknown"), subject.
 */
export function ocspIndexText(entries: Array<{ serial: string; notAfter: Date; subject: string; revokedAt?: Date }>): string {
  return entries
    .map((e) => {
      const hex = e.serial.toUpperCase();
      const serial = hex.length % 2 ? `0${hex}` : hex;
      const fields = [
        e.revokedAt ? "R" : "V",
        indexTime(e.notAfter),
        e.revokedAt ? indexTime(e.revokedAt) : "",
        serial,
        "unknown",
        e.subject,
      ];
      return `${fields.join("\t")}\n`;
    })
    .join("");
}

const CARD_EXT = `basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

export async function createTestPki(opts: TestPkiOptions = {}): Promise<TestPki> {
  const ownDir = !opts.dir;
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), "mss-pki-")));
  await mkdir(dir, { recursive: true });
  const days = opts.days ?? 825;

  const ca = await makeCa(dir, "ca", opts.caCommonName ?? TEST_CA_NAME, days);
  const foreignCa = await makeCa(dir, "foreign-ca", opts.foreignCaCommonName ?? "FOREIGN TEST CA (NOT IGC-SANTE)", days);

  const issuePersonal = (name: string, holder: PersonalHolder, by: TestCa = ca) =>
    issue(dir, name, personalSubject(holder), CARD_EXT, by, days);
  const issueStaff = (name: string, holder: StaffHolder, by: TestCa = ca) => issue(dir, name, staffSubject(holder), CARD_EXT, by, days);
  const issueServer = (name: string, altNames: string[], by: TestCa = ca, extra: ServerCertExtras = {}) => {
    if (altNames.length === 0) throw new Error("issueServer: at least one name");
    const san = altNames.map((n) => (isIp(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
    for (const url of [extra.ocspUrl, extra.crlUrl]) {
      if (url !== undefined && !/^http:\/\/[^\s,]+$/.test(url)) throw new Error(`issueServer: ${url} is not an http:// URL`);
    }
    const aia = extra.ocspUrl ? `authorityInfoAccess = OCSP;URI:${extra.ocspUrl}\n` : "";
    const cdp = extra.crlUrl ? `crlDistributionPoints = URI:${extra.crlUrl}\n` : "";
    const ext = `basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = ${san}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
${aia}${cdp}`;
    return issue(dir, name, `/C=FR/O=TEST MSSANTE OPERATOR/CN=${escapeSubjectValue(altNames[0]!)}`, ext, by, days);
  };
  const ocspResponder = async (name: string, by: TestCa = ca): Promise<OcspResponderMaterial> => {
    const signer = await issue(
      dir,
      name,
      `/C=FR/O=${escapeSubjectValue("TEST ASIP-SANTE")}/CN=${escapeSubjectValue(`${by.commonName} OCSP`)}`,
      `basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`,
      by,
      days,
    );
    const indexFile = path.join(dir, `${name}-index.txt`);
    const writeIndex = async (entries: IndexEntry[]) => {
      const lines = [];
      for (const { cert, revokedAt } of entries) {
        const x = new X509Certificate(await readFile(cert.certPem));
        lines.push({ serial: cert.serial, notAfter: new Date(x.validTo), subject: `/${x.subject.split("\n").join("/")}`, revokedAt });
      }
      await writeFile(indexFile, ocspIndexText(lines));
    };
    await writeIndex([]);
    return { ca: by, signer, indexFile, writeIndex };
  };

  const doctorHolder = { ...DEFAULT_DOCTOR, ...opts.doctor };
  const staffHolder = { ...DEFAULT_STAFF, ...opts.staff };
  const server = await issueServer("server", opts.serverNames ?? DEFAULT_SERVER_NAMES);
  const doctor = await issuePersonal("doctor", doctorHolder);
  const staff = await issueStaff("staff", staffHolder);
  const foreign = await issuePersonal("foreign", doctorHolder, foreignCa);

  return {
    dir,
    ca,
    foreignCa,
    server,
    doctor,
    doctorHolder,
    staff,
    staffHolder,
    foreign,
    issuePersonal,
    issueStaff,
    issueServer,
    ocspResponder,
    cleanup: async () => {
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
