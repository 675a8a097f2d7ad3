/**
 * A loopback HTTP server with one swappable answer per path, for the bridge's configured
 * extraction URL: each test puts what the "national server" sends now (a good file, a truncated
 * one, a download cut midway…) and the running bridge imports it.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Answer {
  body: Buffer;
  filename?: string;
  status?: number;
  /** Send only this many bytes (with the full Content-Length announced), then cut the connection. */
  cutAfterBytes?: number;
}

export interface SwapServer {
  url: string;
  set(path: string, a: Answer): void;
  requests: number;
  close(): Promise<void>;
}

export async function startSwapServer(): Promise<SwapServer> {
  const answers = new Map<string, Answer>();
  const self = { requests: 0 } as SwapServer;
  const server = http.createServer((req, res) => {
    self.requests++;
    const a = answers.get(new URL(req.url ?? "/", "http://x").pathname);
    if (!a) return void res.writeHead(404).end();
    const headers: http.OutgoingHttpHeaders = { "content-type": "application/octet-stream", "content-length": a.body.length };
    if (a.filename) headers["content-disposition"] = `attachment; filename="${a.filename}"`;
    res.writeHead(a.status ?? 200, headers);
    if (a.cutAfterBytes === undefined) return void res.end(a.body);
    res.write(a.body.subarray(0, a.cutAfterBytes), () => setTimeout(() => req.socket.destroy(), 50));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  self.url = `http://127.0.0.1:${port}`;
  self.set = (p, a) => answers.set(p, a);
  self.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections?.();
      server.close(() => r());
    });
  return self;
}
