/**
 * A minimal line-based IMAP / SMTP client with STARTTLS, used to check the private mail servers
 * directly with a software copy of a test certificate's key (no card, no Thunderbird): it proves
 * the servers demand what the real client must present, independently of Thunderbird.
 */
import type tls from "node:tls";
import { connectLines, type TlsIdentity } from "../../harness/line-connection.ts";

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
  const c = await connectLines(opts.port);
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
  const c = await connectLines(opts.port);
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
