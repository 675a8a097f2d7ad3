/**
 * A private Dovecot that behaves like an MSSanté "certificate front": IMAP on a loopback port with
 * STARTTLS forced (`ssl = required`), a client certificate from the test CA demanded, the user
 * taken from the certificate and logged in with SASL EXTERNAL, TLS capped at 1.2 (the MSSanté
 * client interface is TLS 1.2 only, and a PSS-less card like a CPS3 cannot authenticate under
 * TLS 1.3). An LMTP listener delivers into the same store, so a message sent through Postfix can
 * be read back.
 *
 * Users: the certificate's commonName, on a CPS the idNat ("810001234567"), is the authenticated
 * identity. Like an MSSanté operator, the server lets that identity open the mailboxes it is
 * authorised for: Thunderbird sends the account's user name (the mailbox address) as the SASL
 * EXTERNAL authorisation id, which Dovecot treats as a master-user login — a master passdb keyed by
 * "<cert user>/<mailbox>" lists exactly the authorised pairs. Without an authorisation id the
 * certificate user logs in to its own mailbox. A passwd-file userdb maps the idNat and the address
 * to one mailbox directory, so LMTP delivery to the address and card logins see the same store.
 * The login line names both: `Login: user=<mailbox>, method=EXTERNAL, cert_user=<idNat>, …`.
 *
 * `loginNames: "certificate-only"` is the other way operators configure it, a standard Dovecot: the
 * user comes from the certificate, there is NO master passdb, and the userdb is keyed by the idNat
 * (whose mail location is the mailbox). An authorisation id other than the certificate's user is
 * then refused ("Master user login attempted without master passdbs"); none, or the idNat itself,
 * logs in: `Login: user=<idNat>, method=EXTERNAL, …`. `debug: true` adds auth_debug (with the SASL
 * responses) and mail_debug to the log, to read what a client sent.
 *
 * `oauth2` makes it the other front, the Pro Santé Connect one (Référentiel #2 ECO.1.2.1): STARTTLS
 * forced, no client certificate, SASL XOAUTH2 and OAUTHBEARER only, each token checked by RFC 7662
 * introspection at the provider (the `oauth2` passdb, `introspection_mode = post`, the mail server's
 * own client credentials). XOAUTH2's `user=` (OAUTHBEARER's `a=`) must equal a claim of the
 * introspection answer, `username_attribute`: here `preferred_username`, which PSC fills with the
 * card holder's idNat. Not the address: PSC knows the professional, not the mailboxes (its tokens
 * carry no MSSanté address), so the token can only prove the idNat and the server maps the idNat to
 * its mailboxes, as the certificate-only front does with the certificate's user. Not `sub`: Keycloak
 * (PSC) puts an internal id there. The userdb has both the idNat and the address (LMTP). An
 * `auth-client` listener on `saslPort` lets Postfix authenticate submission through this Dovecot
 * (`smtpd_sasl_type = dovecot`).
 *
 * Runs as root (Dovecot needs it to switch to the mail user); everything lives under a temp dir.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { canConnect, freePort, readIfExists, startDaemon, waitFor, waitForLog, type Daemon } from "./e2e-process.ts";

export interface MailboxSpec {
  /** The mailbox address (what LMTP receives). */
  address: string;
  /** Certificate user names (the card's idNat) allowed to open this mailbox with SASL EXTERNAL. */
  logins?: string[];
}

export interface DovecotOptions {
  /** PEM files of the server certificate and key (its names must cover the host names used). */
  serverCertFile: string;
  serverKeyFile: string;
  /** PEM of the CA whose client certificates are accepted (the test "IGC-Santé" CA); the certificate front needs it. */
  clientCaFile?: string;
  mailboxes: MailboxSpec[];
  /** Certificate field that becomes the user name; commonName carries the idNat on a CPS. */
  usernameField?: "commonName" | "serialNumber" | "x500UniqueIdentifier";
  /**
   * How the server treats a SASL EXTERNAL authorisation id: "authorised" (default) accepts the
   * mailboxes the certificate user is authorised for (a master passdb of `<idNat>/<mailbox>`
   * pairs); "certificate-only" is a standard Dovecot with no master passdb (the certificate's user,
   * or no authorisation id, only).
   */
  loginNames?: "authorised" | "certificate-only";
  /** auth_debug (SASL responses shown), mail_debug and auth_verbose_passwords into the log. */
  debug?: boolean;
  /** Cap TLS at 1.2 (default true). Turn off only to show why the cap is needed. */
  tls12Only?: boolean;
  imapPort?: number;
  lmtpPort?: number;
  /** Parent for the private directory (default os.tmpdir()). */
  parentDir?: string;
  /** The Pro Santé Connect front instead of the certificate front: XOAUTH2 / OAUTHBEARER, tokens introspected. */
  oauth2?: OAuth2Front;
}

/** How the PSC front checks a token (test/harness/oidc-provider.ts gives these). */
export interface OAuth2Front {
  /** RFC 7662 introspection endpoint (https). */
  introspectionUrl: string;
  /** The mail server's client at the provider (HTTP Basic on the introspection request). */
  clientId: string;
  clientSecret: string;
  /** PEM of the CA that issued the provider's server certificate. */
  caFile: string;
  /** The claim compared with the SASL user name (default "preferred_username": the idNat at PSC). */
  usernameAttribute?: string;
  /** A scope the token must have (default "scope_all"). */
  scope?: string;
}

export interface Dovecot {
  readonly dir: string;
  readonly imapPort: number;
  readonly lmtpPort: number;
  /** The auth-client listener for Postfix's SASL (the PSC front only). */
  readonly saslPort?: number;
  readonly logPath: string;
  readonly pid: number;
  /** The whole log so far. */
  log(): string;
  /** Current log length, to look only at what happens after a given moment. */
  logMark(): number;
  waitForLog(re: RegExp, timeoutMs?: number, fromMark?: number): Promise<RegExpMatchArray>;
  /** Raw RFC 822 messages in a mailbox's INBOX (new + cur), oldest first. */
  messages(address: string): string[];
  /**
   * Delivers a message straight into a mailbox over LMTP (e.g. a welcome message to list).
   * `headers`: more header fields (a `Message-ID` given there replaces the generated one).
   */
  deliver(to: string, from: string, subject: string, body: string, headers?: Record<string, string>): Promise<void>;
  /** Waits until a message in the mailbox contains `needle`, returns it. */
  waitForMessage(address: string, needle: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** The mail store belongs to Debian's `mail` user (uid 8): Dovecot refuses to store as root. */
function mailUser(): { uid: number; gid: number } {
  const line = execFileSync("getent", ["passwd", "mail"], { encoding: "utf8" }).trim().split(":");
  return { uid: Number(line[2]), gid: Number(line[3]) };
}

function mailboxDirName(address: string): string {
  return address.toLowerCase().replace(/[^a-z0-9.@_-]/g, "_");
}

/** Minimal LMTP client: one message, fails on any non-2xx/3xx reply. */
async function lmtpDeliver(
  port: number,
  to: string,
  from: string,
  subject: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const sock = net.connect({ port, host: "127.0.0.1" });
  let buf = "";
  const replies: string[] = [];
  let wake: (() => void) | null = null;
  sock.on("data", (b: Buffer) => {
    buf += b.toString("utf8");
    wake?.();
  });
  const reply = async (): Promise<string> => {
    for (;;) {
      const m = /^(\d{3}) .*\r\n/m.exec(buf);
      if (m) {
        const end = buf.indexOf("\r\n", m.index) + 2;
        const line = buf.slice(m.index, end - 2);
        buf = buf.slice(end);
        replies.push(line);
        if (!/^[23]/.test(line)) throw new Error(`LMTP refused: ${replies.join(" | ")}`);
        return line;
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  };
  try {
    await reply();
    for (const cmd of ["LHLO harness.test", `MAIL FROM:<${from}>`, `RCPT TO:<${to}>`, "DATA"]) {
      sock.write(`${cmd}\r\n`);
      await reply();
    }
    const fields: Record<string, string> = {
      From: `<${from}>`,
      To: `<${to}>`,
      Subject: subject,
      Date: new Date().toUTCString(),
      "Message-ID": `<${Date.now()}.${Math.random().toString(36).slice(2)}@harness.test>`,
      ...headers,
    };
    const head = Object.entries(fields)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    sock.write(`${head}\r\n${body}\r\n.\r\n`);
    await reply();
    sock.write("QUIT\r\n");
  } finally {
    sock.end();
  }
}

/**
 * Dovecot clears its children's environment but for import_environment. Under the CI's moved clock
 * (`npm run test:clock-ahead`, libfaketime in LD_PRELOAD), the test PKI's certificates are dated
 * by the moved clock: the children must see it too, or they would find every certificate not yet
 * valid. Without faketime this adds nothing.
 */
function importEnvironment(extra: string[]): string {
  const vars = [...extra];
  const preload = process.env.LD_PRELOAD;
  if (preload?.includes("faketime") && process.env.FAKETIME) {
    // Dovecot would read "$LIB" as one of its own variables: give the library's real path.
    const lib = preload.includes("$LIB")
      ? (readdirSync("/usr/lib", { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => `/usr/lib/${d.name}/faketime/libfaketime.so.1`)
          .find((f) => existsSync(f)) ?? preload)
      : preload;
    vars.push(`LD_PRELOAD=${lib}`, `FAKETIME=${process.env.FAKETIME}`, "FAKETIME_DONT_FAKE_MONOTONIC=1");
  }
  return vars.length ? `import_environment = $import_environment ${vars.join(" ")}` : "";
}

/** The certificate front: a client certificate from the test CA, its user, SASL EXTERNAL. */
function certificateFront(tls: string, usernameField: string): { settings: string; passdb: string } {
  return {
    settings: `ssl_ca = <${tls}/ca.crt
ssl_verify_client_cert = yes
auth_ssl_require_client_cert = yes
auth_ssl_username_from_cert = yes
ssl_cert_username_field = ${usernameField}
auth_mechanisms = external`,
    passdb: `passdb {
  driver = static
  args = nopassword=y
}`,
  };
}

/**
 * The PSC front: no client certificate; XOAUTH2 and OAUTHBEARER checked by introspection. The
 * introspection answer must say `active: true`, carry the scope, and its `username_attribute` claim
 * must equal the SASL user name, or the login is refused.
 */
function oauth2Front(dir: string, tls: string, o: OAuth2Front): { settings: string; passdb: string } {
  writeFileSync(path.join(tls, "oauth2-ca.crt"), readFileSync(o.caFile));
  const url = new URL(o.introspectionUrl);
  url.username = encodeURIComponent(o.clientId);
  url.password = encodeURIComponent(o.clientSecret);
  const ext = path.join(dir, "dovecot-oauth2.conf.ext");
  // Holds the mail server's client secret: readable by root only (the auth process runs as root).
  writeFileSync(
    ext,
    `# generated by test/harness/dovecot.ts
introspection_mode = post
introspection_url = ${url.href}
force_introspection = yes
tls_ca_cert_file = ${tls}/oauth2-ca.crt
username_attribute = ${o.usernameAttribute ?? "preferred_username"}
active_attribute = active
active_value = true
scope = ${o.scope ?? "scope_all"}
`,
    { mode: 0o600 },
  );
  return {
    settings: `ssl_verify_client_cert = no
auth_mechanisms = xoauth2 oauthbearer`,
    passdb: `passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${ext}
}`,
  };
}

export async function startDovecot(opts: DovecotOptions): Promise<Dovecot> {
  const dir = mkdtempSync(path.join(opts.parentDir ?? os.tmpdir(), "mss-dovecot-"));
  // Dovecot's unprivileged processes (mail user, dovenull) must traverse the directory.
  chmodSync(dir, 0o755);
  const imapPort = opts.imapPort ?? (await freePort());
  const lmtpPort = opts.lmtpPort ?? (await freePort());
  const saslPort = opts.oauth2 ? await freePort() : undefined;
  if (!opts.oauth2 && !opts.clientCaFile) throw new Error("startDovecot: the certificate front needs clientCaFile");
  const logPath = path.join(dir, "dovecot.log");
  const mailRoot = path.join(dir, "mail");
  const { uid, gid } = mailUser();
  for (const d of ["run", "state", "tls"]) mkdirSync(path.join(dir, d), { mode: 0o755 });
  mkdirSync(mailRoot, { mode: 0o755 });
  execFileSync("chown", [`${uid}:${gid}`, mailRoot]);

  // Keys are read by the root master process; copy them so the caller's files can be anywhere.
  const tls = path.join(dir, "tls");
  writeFileSync(path.join(tls, "server.crt"), readFileSync(opts.serverCertFile));
  writeFileSync(path.join(tls, "server.key"), readFileSync(opts.serverKeyFile), { mode: 0o600 });
  if (opts.clientCaFile) writeFileSync(path.join(tls, "ca.crt"), readFileSync(opts.clientCaFile));

  // Dovecot 2.3 has no maximum-protocol setting and clears its environment: an OpenSSL config
  // imported through import_environment is what caps it at TLS 1.2.
  const opensslConf = path.join(dir, "openssl-tls12.cnf");
  writeFileSync(
    opensslConf,
    [
      "openssl_conf = default_conf",
      "[default_conf]",
      "ssl_conf = ssl_sect",
      "[ssl_sect]",
      "system_default = system_default_sect",
      "[system_default_sect]",
      "MaxProtocol = TLSv1.2",
      "",
    ].join("\n"),
  );

  const users: string[] = [];
  for (const mb of opts.mailboxes) {
    const home = path.join(mailRoot, mailboxDirName(mb.address));
    for (const login of [mb.address.toLowerCase(), ...(mb.logins ?? [])]) {
      // passwd-file: user:password:uid:gid:(gecos):home:(shell):extra fields
      users.push(`${login}::${uid}:${gid}::${home}::`);
    }
  }
  const usersFile = path.join(dir, "users");
  writeFileSync(usersFile, `${users.join("\n")}\n`, { mode: 0o644 });
  // passwd-file: user:password:uid:gid:gecos:home:shell:extra — "<cert user>/<mailbox>" pairs.
  const masters = opts.mailboxes.flatMap((mb) => (mb.logins ?? []).map((l) => `${l}/${mb.address.toLowerCase()}:::::::nopassword=y`));
  const mastersFile = path.join(dir, "authorised-logins");
  writeFileSync(mastersFile, `${masters.join("\n")}\n`, { mode: 0o644 });

  const masterPassdb = opts.oauth2
    ? ""
    : opts.loginNames === "certificate-only"
      ? "# A standard Dovecot: no master passdb, the certificate's user (or no authorisation id) only."
      : `# SASL EXTERNAL with an authorisation id (the mailbox): the certificate user must be authorised for it.
passdb {
  driver = passwd-file
  args = username_format=%u/%{login_user} ${mastersFile}
  master = yes
  result_success = continue
}`;
  const login = opts.oauth2 ? oauth2Front(dir, tls, opts.oauth2) : certificateFront(tls, opts.usernameField ?? "commonName");
  const debug = opts.debug
    ? `debug_log_path = ${logPath}
auth_debug = yes
auth_debug_passwords = yes
mail_debug = yes`
    : `# verbose_ssl also emits per-handshake debug lines; keep the Info ones only.
debug_log_path = /dev/null`;
  const conf = path.join(dir, "dovecot.conf");
  writeFileSync(
    conf,
    `# private test instance (generated by test/harness/dovecot.ts)
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${logPath}
info_log_path = ${logPath}
${debug}
protocols = imap lmtp
listen = 127.0.0.1
ssl = required
ssl_cert = <${tls}/server.crt
ssl_key = <${tls}/server.key
ssl_require_crl = no
ssl_min_protocol = TLSv1.2
${importEnvironment(opts.tls12Only === false ? [] : [`OPENSSL_CONF=${opensslConf}`])}
${login.settings}
disable_plaintext_auth = yes
auth_verbose = yes
verbose_ssl = yes
login_log_format_elements = user=<%u> method=%m cert_user=<%{auth_user}> rip=%r lip=%l mpid=%e %c session=<%{session}>
login_trusted_networks =
first_valid_uid = ${uid}
last_valid_uid = ${uid}
first_valid_gid = ${gid}
mail_location = maildir:~/Maildir
# Like an operator's mailbox: the special-use folders exist from the start. (Without a Sent folder
# on the server, Thunderbird's copy to Sent fails once it has listed the folders, and with no
# "Local Folders" account to fall back to, the send never completes.)
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
mail_privileged_group =
${masterPassdb}
${login.passdb}
userdb {
  driver = passwd-file
  args = ${usersFile}
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${lmtpPort}
  }
  unix_listener lmtp {
    mode = 0600
  }
}
service anvil {
  chroot =
${
  opts.oauth2
    ? `  # No authentication penalty: every test client (IMAP, and Postfix for submission) comes from
  # 127.0.0.1, so one refused token would delay the next logins by up to 15 s, past Postfix's wait.
  unix_listener anvil-auth-penalty {
    mode = 0
  }`
    : ""
}
}
${
  saslPort
    ? `# Postfix's SASL (smtpd_sasl_type = dovecot) over loopback TCP.
service auth {
  inet_listener auth-client {
    address = 127.0.0.1
    port = ${saslPort}
  }
}`
    : ""
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
protocol lmtp {
  # LMTP's RCPT is the full address; keep it as the userdb key.
  auth_username_format = %Lu
}
`,
  );

  const daemon: Daemon = startDaemon("dovecot", ["-F", "-c", conf], { env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin" } });
  try {
    await waitFor(
      "dovecot to listen",
      async () => {
        if (daemon.exited()) throw new Error(`dovecot exited: ${daemon.output()}\n${readIfExists(logPath)}`);
        return (await canConnect(imapPort)) && (await canConnect(lmtpPort)) && (!saslPort || (await canConnect(saslPort)));
      },
      10_000,
    );
  } catch (e) {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const inboxFiles = (address: string): string[] => {
    const base = path.join(mailRoot, mailboxDirName(address), "Maildir");
    const files: { f: string; t: string }[] = [];
    for (const sub of ["new", "cur"]) {
      const d = path.join(base, sub);
      if (!existsSync(d)) continue;
      for (const f of readdirSync(d)) files.push({ f: path.join(d, f), t: f });
    }
    // Maildir names start with the delivery time in seconds, then a unique part.
    return files.sort((a, b) => a.t.localeCompare(b.t)).map((x) => x.f);
  };

  return {
    dir,
    imapPort,
    lmtpPort,
    ...(saslPort ? { saslPort } : {}),
    logPath,
    pid: daemon.pid,
    log: () => readIfExists(logPath),
    logMark: () => readIfExists(logPath).length,
    waitForLog: (re, timeoutMs = 15_000, fromMark = 0) => waitForLog(logPath, re, timeoutMs, fromMark),
    deliver: (to, from, subject, body, headers) => lmtpDeliver(lmtpPort, to, from, subject, body, headers),
    messages: (address) => inboxFiles(address).map((f) => readFileSync(f, "utf8")),
    waitForMessage: async (address, needle, timeoutMs = 20_000) =>
      await waitFor(
        `a message containing ${JSON.stringify(needle)} for ${address}`,
        () =>
          inboxFiles(address)
            .map((f) => readFileSync(f, "utf8"))
            .find((m) => m.includes(needle)),
        timeoutMs,
        200,
      ),
    async stop() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
