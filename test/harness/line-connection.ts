/**
 * A line-based (CRLF) client connection to a mail server on loopback, with STARTTLS: what the
 * IMAP/SMTP checks of the tests speak directly to Dovecot and Postfix, without Thunderbird
 * (e2e/support/starttls.ts: a card's key in software; oauth-sasl-client.ts: a bearer token).
 */
import net from "node:net";
import tls from "node:tls";

/** A client certificate and its key, in PEM. */
export interface TlsIdentity {
  certPem: string | Buffer;
  keyPem: string | Buffer;
}

export class LineConnection {
  private buf = "";
  private waiters: Array<() => void> = [];
  closed = false;
  constructor(private sock: net.Socket | tls.TLSSocket) {
    this.attach(sock);
  }
  private attach(sock: net.Socket | tls.TLSSocket): void {
    this.sock = sock;
    sock.on("data", (b: Buffer) => {
      this.buf += b.toString("utf8");
      this.wake();
    });
    for (const ev of ["close", "error"]) {
      sock.on(ev, () => {
        this.closed = true;
        this.wake();
      });
    }
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  /** Reads lines until `done(line)` is true; returns all of them. */
  async until(done: (line: string) => boolean, timeoutMs = 15_000): Promise<string[]> {
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
  /** Upgrades the connection (after the server's go-ahead): TLS 1.2 at least, the server checked against `ca`. */
  async startTls(opts: {
    ca: string | Buffer;
    servername: string;
    identity?: TlsIdentity;
    minVersion?: tls.SecureVersion;
  }): Promise<tls.TLSSocket> {
    const plain = this.sock as net.Socket;
    plain.removeAllListeners("data");
    const secure = tls.connect({
      socket: plain,
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

/** Connects to 127.0.0.1:`port`. */
export async function connectLines(port: number): Promise<LineConnection> {
  const sock = net.connect({ port, host: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", () => resolve());
    sock.once("error", reject);
  });
  return new LineConnection(sock);
}
