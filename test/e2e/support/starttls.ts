/**
 * A minimal line-based IMAP / SMTP client with STARTTLS, used to check the private mail servers
 * directly with a software copy of a test certificate's key (no card, no Thunderbird): it proves
 * the servers demand what the real client must present, independently of Thunderbird.
 */
import net from "node:net";
import tls from "node:tls";

export interface TlsIdentity {
  certPem: string | Buffer;
  keyPem: string | Buffer;
}

class LineConn {
  private buf = "";
  private waiters: Array<() => void> = [];
  closed = false;
  constructor(public sock: net.Socket | tls.TLSSocket) {
    this.attach(sock);
  }
  attach(sock: net.Socket | tls.TLSSocket): void {
    this.sock = sock;
    sock.on("data", (b: Buffer) => {
      this.buf += b.toString("utf8");
      this.wake();
    });
    sock.on("close", () => {
      this.closed = true;
      this.wake();
    });
    sock.on("error", () => {
      this.closed = true;
      this.wake();
    });
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  /** Reads lines until `done(line)` is true; returns all of them. */
  async until(done: (line: string) => boolean, timeoutMs = 10_000): Promise<string[]> {
    const lines: string[] = [];
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = this.buf.indexOf("\r\n");
      if (i >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        lines.push(line);
        if (done(line)) return lines;
        continue;
      }
      if (this.closed) throw new Error(`connection closed; got: ${lines.join(" | ")}`);
      if (Date.now() > end) throw new Error(`timeout; got: ${lines.join(" | ")}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
  write(s: string): void {
    this.sock.write(s);
  }
  async startTls(opts: {
    ca: string | Buffer;
    servername: string;
    identity?: TlsIdentity;
    minVersion?: tls.SecureVersion;
  }): Promise<tls.TLSSocket> {
    const plain = this.sock;
    plain.removeAllListeners("data");
    const secure = tls.connect({
      socket: plain as net.Socket,
      ca: opts.ca,
      servername: opts.servername,
      cert: opts.identity?.certPem,
      key: opts.identity?.keyPem,
      minVersion: opts.minVersion ?? "TLSv1.2",
    });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", () => resolve());
      secure.once("error", reject);
    });
    this.buf = "";
    this.attach(secure);
    return secure;
  }
  close(): void {
    this.sock.destroy();
  }
}

async function connect(port: number): Promise<LineConn> {
  const sock = net.connect({ port, host: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", reject);
  });
  return new LineConn(sock);
}

export interface ImapExternalResult {
  /** The tagged answer to AUTHENTICATE EXTERNAL, e.g. "a1 OK Logged in". */
  auth: string;
  /** Mailbox names from LIST, when the login worked. */
  mailboxes: string[];
  tlsVersion: string | null;
}

/** STARTTLS then AUTHENTICATE EXTERNAL (then LIST) against an IMAP server. */
export async function imapExternalLogin(opts: {
  port: number;
  ca: string | Buffer;
  servername: string;
  identity?: TlsIdentity;
  /** "TLSv1.3" to offer TLS 1.3 only. */
  minVersion?: tls.SecureVersion;
  /** SASL authorisation id (the mailbox to open), as Thunderbird sends the account's user name. */
  authzid?: string;
}): Promise<ImapExternalResult> {
  const c = await connect(opts.port);
  try {
    await c.until((l) => l.startsWith("* OK"));
    c.write("s STARTTLS\r\n");
    await c.until((l) => l.startsWith("s "));
    const secure = await c.startTls(opts);
    const initial = opts.authzid ? Buffer.from(opts.authzid, "utf8").toString("base64") : "=";
    c.write(`a1 AUTHENTICATE EXTERNAL ${initial}\r\n`);
    const auth = (await c.until((l) => l.startsWith("a1 "))).at(-1)!;
    const mailboxes: string[] = [];
    if (auth.startsWith("a1 OK")) {
      c.write('a2 LIST "" "*"\r\n');
      for (const l of await c.until((x) => x.startsWith("a2 "))) {
        const m = /^\* LIST \([^)]*\) "[^"]*" "?([^"]+)"?$/.exec(l);
        if (m) mailboxes.push(m[1]!);
      }
    }
    c.write("a9 LOGOUT\r\n");
    return { auth, mailboxes, tlsVersion: secure.getProtocol() };
  } finally {
    c.close();
  }
}

/** STARTTLS then one message; returns every server reply line from MAIL FROM on (or the failure). */
export async function smtpSend(opts: {
  port: number;
  ca: string | Buffer;
  servername: string;
  identity?: TlsIdentity;
  from: string;
  to: string;
  body: string;
  /** RCPT TO parameters, e.g. "NOTIFY=SUCCESS,FAILURE" (RFC 3461 DSN). */
  rcptParams?: string;
  /** A whole RFC 5322 message (CRLF lines, no line starting with "."), sent instead of the From/To/Subject and body. */
  message?: string;
}): Promise<{ replies: string[]; accepted: boolean }> {
  const c = await connect(opts.port);
  const replies: string[] = [];
  const reply = async () => {
    const lines = await c.until((l) => /^\d{3} /.test(l));
    const last = lines.at(-1)!;
    replies.push(last);
    return last;
  };
  try {
    await reply();
    c.write("EHLO client.test\r\n");
    await reply();
    c.write("STARTTLS\r\n");
    await reply();
    await c.startTls(opts);
    replies.length = 0;
    c.write("EHLO client.test\r\n");
    await reply();
    c.write(`MAIL FROM:<${opts.from}>\r\n`);
    if (!(await reply()).startsWith("250")) return { replies, accepted: false };
    c.write(`RCPT TO:<${opts.to}>${opts.rcptParams ? ` ${opts.rcptParams}` : ""}\r\n`);
    if (!(await reply()).startsWith("250")) return { replies, accepted: false };
    c.write("DATA\r\n");
    await reply();
    c.write(
      opts.message !== undefined
        ? `${opts.message}\r\n.\r\n`
        : `From: <${opts.from}>\r\nTo: <${opts.to}>\r\nSubject: test\r\n\r\n${opts.body}\r\n.\r\n`,
    );
    const done = await reply();
    c.write("QUIT\r\n");
    return { replies, accepted: done.startsWith("250") };
  } finally {
    c.close();
  }
}
