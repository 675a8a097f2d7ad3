/**
 * A real local HTTP(S) server for download tests: serves files or buffers on 127.0.0.1, and can
 * cut a response midway (announces the full Content-Length, sends part, then destroys the socket),
 * answer with an error status, or redirect. Also a minimal forward proxy (absolute-form GET and
 * CONNECT) that records what went through it, to check that a proxy setting is honoured; it can
 * require Basic credentials (407 without them), as a hospital's proxy may.
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { readFileSync, statSync, createReadStream } from "node:fs";
import type { AddressInfo } from "node:net";

export interface Route {
  file?: string;
  body?: Buffer | string;
  status?: number;
  contentType?: string;
  /** Sets Content-Disposition: attachment; filename=… */
  filename?: string;
  /** Send only this many bytes of the body, then cut the connection. */
  cutAfterBytes?: number;
  /** Redirect to this path. */
  redirectTo?: string;
}

export interface TestHttpServer {
  url: string;
  port: number;
  routes: Map<string, Route>;
  requests: string[];
  close(): Promise<void>;
}

export async function startHttpServer(opts: { tls?: { key: string | Buffer; cert: string | Buffer } } = {}): Promise<TestHttpServer> {
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const handler: http.RequestListener = (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push(path);
    const r = routes.get(path);
    if (!r) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    if (r.redirectTo) {
      res.writeHead(302, { location: r.redirectTo }).end();
      return;
    }
    const size = r.file ? statSync(r.file).size : Buffer.byteLength(r.body ?? "");
    const headers: http.OutgoingHttpHeaders = {
      "content-type": r.contentType ?? "application/octet-stream",
      "content-length": size,
    };
    if (r.filename) headers["content-disposition"] = `attachment; filename="${r.filename}"`;
    res.writeHead(r.status ?? 200, headers);
    if (r.cutAfterBytes !== undefined) {
      const data = r.file ? readFileSync(r.file) : Buffer.from(r.body ?? "");
      res.write(data.subarray(0, r.cutAfterBytes), () => {
        // Give the bytes time to leave, then drop the connection without finishing the body.
        setTimeout(() => req.socket.destroy(), 50);
      });
      return;
    }
    if (r.file) createReadStream(r.file).pipe(res);
    else res.end(r.body ?? "");
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    routes,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export interface TestProxy {
  url: string;
  /** "GET http://…" or "CONNECT host:port" for each request that went through. */
  seen: string[];
  /** Requests answered 407 (missing or wrong credentials), in the same form. */
  refused: string[];
  close(): Promise<void>;
}

export interface ForwardProxyOptions {
  /** Require `Proxy-Authorization: Basic` with these credentials (407 otherwise). */
  auth?: { user: string; password: string };
}

export async function startForwardProxy(opts: ForwardProxyOptions = {}): Promise<TestProxy> {
  const seen: string[] = [];
  const refused: string[] = [];
  const sockets = new Set<net.Socket>();
  const expected = opts.auth ? `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`, "utf8").toString("base64")}` : null;
  const authorized = (req: http.IncomingMessage) => {
    if (expected === null || req.headers["proxy-authorization"] === expected) return true;
    refused.push(`${req.method} ${req.url}`);
    return false;
  };
  const server = http.createServer((req, res) => {
    if (!authorized(req)) {
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="test proxy"' }).end();
      return;
    }
    seen.push(`${req.method} ${req.url}`);
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end();
      return;
    }
    const { "proxy-authorization": _credentials, ...headers } = req.headers; // for the proxy only, as a real one does
    const up = http.request(
      { host: target.hostname, port: Number(target.port) || 80, path: target.pathname + target.search, method: req.method, headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on("error", () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on("connect", (req, client: net.Socket, head) => {
    if (!authorized(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test proxy"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? "").split(":");
    const up = net.connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up).add(client);
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
