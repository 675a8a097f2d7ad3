/**
 * Native-messaging framing (Thunderbird ⇄ `mss-bridge native-host`): each message is UTF-8 JSON
 * preceded by its length as a 32-bit little-endian integer. Pure encoder and incremental decoder.
 */

/** Messages from the extension are tiny; anything larger is refused. */
export const MAX_NATIVE_MESSAGE = 64 * 1024;

export function encodeNativeMessage(obj: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(obj), "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

export class NativeMessageDecoder {
  private buf: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the complete messages (parsed) and throws on a frame over the limit. */
  push(chunk: Buffer): unknown[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: unknown[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32LE(0);
      if (len > MAX_NATIVE_MESSAGE) throw new Error("native message too large");
      if (this.buf.length < 4 + len) break;
      const body = this.buf.subarray(4, 4 + len).toString("utf8");
      this.buf = this.buf.subarray(4 + len);
      try {
        out.push(JSON.parse(body));
      } catch {
        out.push(undefined); // answered as an invalid message
      }
    }
    return out;
  }
}
