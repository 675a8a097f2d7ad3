/**
 * A private OpenLDAP slapd for the LDAP directory tests: its own slapd.conf in a temp dir
 * (core/cosine/inetorgperson schemas, back_mdb, indexes), ldap:// and ldaps:// on free loopback
 * ports, TLS from the test PKI (bridge/demo/pki.ts), TLSVerifyClient configurable, loaded with
 * slapadd before start. Stopped by its PID (never by name).
 *
 * Data model of the test directory (matches the bridge's default attribute mapping,
 * bridge/directory/ldap/attribute-map.ts): one LDAP entry per (address, place) under
 * ou=people,<suffix>, so an address with several places is several entries with the same mail;
 * PER entries are inetOrgPerson, the others organizationalRole; both extensibleObject (for
 * personalTitle and employeeType on any entry). ou=restricted,<suffix> is readable only by
 * authenticated users (to tell binds apart); userPassword is readable by nobody.
 */
import { spawn, type ChildProcess, execFile } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { StoredEntry } from "../../bridge/directory/search/entry.ts";
import { displayNameOf } from "../../bridge/directory/search/entry.ts";
import { readHeader } from "../../bridge/directory/import/columns.ts";
import { EntryList, EntryMerger } from "../../bridge/directory/import/records.ts";
import { asciiDomainAddress } from "../../shared/domain/address.ts";
import { extractionLines, type FixtureEntry } from "../../scripts/generate-directory.ts";
import type { TestPki } from "../../bridge/demo/pki.ts";
import { freePort } from "./dnsmasq.ts";

const run = promisify(execFile);

export const SLAPD_SUFFIX = "o=mssante,c=fr";
export const SLAPD_ADMIN_DN = `cn=admin,${SLAPD_SUFFIX}`;

export interface SlapdUser {
  /** RDN value: the entry is cn=<cn>,ou=system,<suffix>. */
  cn: string;
  password: string;
}

export interface SlapdOptions {
  pki: TestPki;
  /** Mailboxes under ou=people (readable anonymously). */
  entries: StoredEntry[];
  /** Mailboxes under ou=restricted (readable by authenticated users only). */
  restricted?: StoredEntry[];
  users?: SlapdUser[];
  verifyClient?: "never" | "allow" | "try" | "demand";
  /** Server-side size limit (slapd `sizelimit`). */
  serverSizeLimit?: number;
}

export interface Slapd {
  ldapUrl: string;
  ldapsUrl: string;
  suffix: string;
  /** DN of a user from `users`. */
  userDn(cn: string): string;
  /** Number of LDAP entries loaded (mailbox entries, one per place). */
  loadedEntries: number;
  dir: string;
  stop(): Promise<void>;
}

/** Deterministic synthetic directory from the project's generator (scripts/generate-directory.ts). */
export function generatedEntries(lines: number, seed = 7, fixtures: FixtureEntry[] = []): StoredEntry[] {
  const list = new EntryList();
  let merger: EntryMerger | null = null;
  let n = 0;
  for (const line of extractionLines({ lines, seed, fixtures })) {
    n++;
    if (!merger) merger = new EntryMerger(readHeader(line), list);
    else merger.addLine(line, n);
  }
  return list.entries;
}

// LDIF: a value that is not plain safe ASCII is written base64 (RFC 2849).
function ldifLine(attr: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  const safe = /^[\x21-\x39\x3b\x3d-\x7f][\x20-\x7f]*$/.test(value) && !value.endsWith(" ");
  return safe ? `${attr}: ${value}` : `${attr}:: ${Buffer.from(value, "utf8").toString("base64")}`;
}

/** LDIF of the mailboxes: one entry per place, RDN employeeNumber=<sequence>. */
export function entriesToLdif(entries: StoredEntry[], parentDn: string, startNumber = 1): { ldif: string; count: number } {
  const out: string[] = [];
  let seq = startNumber;
  for (const e of entries) {
    for (const p of e.places.length ? e.places : [null]) {
      const person = e.type === "PER" && !!e.surname;
      const lines = [
        `dn: employeeNumber=${seq},${parentDn}`,
        "objectClass: top",
        ...(person
          ? ["objectClass: person", "objectClass: organizationalPerson", "objectClass: inetOrgPerson"]
          : ["objectClass: organizationalRole"]),
        "objectClass: extensibleObject",
        `employeeNumber: ${seq}`,
        ldifLine("cn", displayNameOf(e, p ?? undefined)),
        ldifLine("mail", asciiDomainAddress(e.email)),
        `employeeType: ${e.type}`,
      ];
      const add = (attr: string, v: string | null | undefined) => {
        if (v) lines.push(ldifLine(attr, v));
      };
      add("sn", e.surname);
      add("givenName", e.givenName);
      add("personalTitle", e.civility);
      add("title", e.profession);
      add("businessCategory", e.specialty);
      add("uid", e.idNat);
      if (p) {
        add("o", p.organisation);
        add("ou", p.service);
        add("l", p.city);
        add("postalCode", p.postalCode);
        add("street", p.address);
        add("st", p.department);
      }
      out.push(lines.join("\n"));
      seq++;
    }
  }
  return { ldif: `${out.join("\n\n")}\n`, count: seq - startNumber };
}

async function waitPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`slapd exited (${child.exitCode}): ${stderr().trim().slice(-2000)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`slapd did not listen on ${port}: ${stderr().trim().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startSlapd(opts: SlapdOptions): Promise<Slapd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mss-slapd-"));
  await mkdir(path.join(dir, "db"), { recursive: true, mode: 0o700 });
  const [ldapPort, ldapsPort] = [await freePort(), await freePort()];
  const { pki } = opts;
  const conf = `# private test instance
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile ${pki.ca.certPem}
TLSCertificateFile ${pki.server.certPem}
TLSCertificateKeyFile ${pki.server.keyPem}
TLSVerifyClient ${opts.verifyClient ?? "try"}
sizelimit ${opts.serverSizeLimit ?? 1000}
timelimit 10

database mdb
suffix "${SLAPD_SUFFIX}"
rootdn "${SLAPD_ADMIN_DN}"
directory ${dir}/db
maxsize 1073741824
index objectClass eq
index uid,employeeType eq
# Every searched attribute needs a substring index: one unindexed branch of the search's OR makes
# slapd scan the whole database.
index mail,sn,givenName,cn,l,o,ou,title,businessCategory,postalCode,street,st eq,sub
access to attrs=userPassword by anonymous auth by * none
access to dn.subtree="ou=restricted,${SLAPD_SUFFIX}" by users read by * none
access to * by * read
`;
  const confFile = path.join(dir, "slapd.conf");
  await writeFile(confFile, conf);

  const base = [
    `dn: ${SLAPD_SUFFIX}\nobjectClass: organization\no: mssante`,
    `dn: ou=people,${SLAPD_SUFFIX}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=restricted,${SLAPD_SUFFIX}\nobjectClass: organizationalUnit\nou: restricted`,
    `dn: ou=system,${SLAPD_SUFFIX}\nobjectClass: organizationalUnit\nou: system`,
    ...(opts.users ?? []).map(
      (u) =>
        `dn: cn=${u.cn},ou=system,${SLAPD_SUFFIX}\nobjectClass: person\ncn: ${u.cn}\nsn: ${u.cn}\n${ldifLine("userPassword", u.password)}`,
    ),
  ].join("\n\n");
  const people = entriesToLdif(opts.entries, `ou=people,${SLAPD_SUFFIX}`, 1);
  const restricted = entriesToLdif(opts.restricted ?? [], `ou=restricted,${SLAPD_SUFFIX}`, 1_000_000);
  const ldifFile = path.join(dir, "data.ldif");
  await writeFile(ldifFile, `${base}\n\n${people.ldif}\n${restricted.ldif}`);
  try {
    await run("slaptest", ["-f", confFile, "-u"]);
    await run("slapadd", ["-q", "-f", confFile, "-l", ldifFile], { maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    const err = e as { stderr?: string; message: string };
    throw new Error(`slapd set-up failed: ${err.stderr?.slice(-2000) ?? err.message}`);
  }

  const child = spawn("slapd", ["-f", confFile, "-h", `ldap://127.0.0.1:${ldapPort}/ ldaps://127.0.0.1:${ldapsPort}/`, "-d", "0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitPort(ldapPort, child, () => stderr);
    await waitPort(ldapsPort, child, () => stderr);
  } catch (e) {
    if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    ldapUrl: `ldap://127.0.0.1:${ldapPort}`,
    ldapsUrl: `ldaps://127.0.0.1:${ldapsPort}`,
    suffix: SLAPD_SUFFIX,
    userDn: (cn) => `cn=${cn},ou=system,${SLAPD_SUFFIX}`,
    loadedEntries: people.count + restricted.count,
    dir,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
