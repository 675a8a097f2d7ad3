/**
 * Screenshots for the end-to-end tests and the demo: a private Xvfb display, a whole-screen grab
 * with `xwd` (x11-apps) converted to PNG here (XWD ZPixmap → RGB → zlib, no ImageMagick), and a
 * PNG header reader so tests can check what they saved.
 *
 * Why the X server's picture rather than Gecko's drawSnapshot: the autocomplete list and the
 * guard's window are separate native windows; only a grab of the display shows them as a person
 * sees them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deflateSync } from "node:zlib";

export interface Xvfb {
  /** ":N" */
  readonly display: string;
  readonly width: number;
  readonly height: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts Xvfb on a free display (the server picks it: -displayfd), private to this run. */
export async function startXvfb(opts: { width?: number; height?: number; timeoutMs?: number } = {}): Promise<Xvfb> {
  const width = opts.width ?? 1280;
  const height = opts.height ?? 900;
  const proc: ChildProcess = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", `${width}x${height}x24`, "-nolisten", "tcp", "-noreset"], {
    stdio: ["ignore", "ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const display = await new Promise<string>((resolve, reject) => {
    let out = "";
    const t = setTimeout(
      () => reject(new Error(`Xvfb did not report a display within ${opts.timeoutMs ?? 10_000} ms: ${stderr}`)),
      opts.timeoutMs ?? 10_000,
    );
    (proc.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(`:${m[1]}`);
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`Xvfb exited (${code}): ${stderr}`));
    });
  });
  return {
    display,
    width,
    height,
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
        setTimeout(() => proc.kill("SIGKILL"), 3000).unref();
      });
    },
  };
}

/** Minimal PNG encoder: 8-bit RGB, no interlace. */
export function encodePng(width: number, height: number, rgb: Buffer): Buffer {
  const crcTable = new Int32Array(256).map((_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  const crc32 = (buf: Buffer) => {
    let c = -1;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ -1) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    rgb.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 6 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Converts an XWD dump (ZPixmap, 24/32 bits per pixel, as Xvfb's 24-bit screen gives) to RGB. */
export function xwdToRgb(xwd: Buffer): { width: number; height: number; rgb: Buffer } {
  // The header is 25 CARD32 in the byte order the file says (xwd writes it big-endian).
  const be = xwd.readUInt32BE(28) <= 1 && xwd.readUInt32BE(4) === 7;
  const u32 = (i: number) => (be ? xwd.readUInt32BE(i * 4) : xwd.readUInt32LE(i * 4));
  const headerSize = u32(0);
  const version = u32(1);
  const format = u32(2);
  const width = u32(4);
  const height = u32(5);
  const byteOrder = u32(7); // 0 LSBFirst, 1 MSBFirst (pixel data)
  const bitsPerPixel = u32(11);
  const bytesPerLine = u32(12);
  const redMask = u32(14);
  const greenMask = u32(15);
  const blueMask = u32(16);
  const ncolors = u32(19);
  if (version !== 7 || format !== 2) throw new Error(`unsupported XWD (version ${version}, format ${format})`);
  if (bitsPerPixel !== 32 && bitsPerPixel !== 24) throw new Error(`unsupported XWD depth: ${bitsPerPixel} bits per pixel`);
  const dataStart = headerSize + ncolors * 12;
  const shift = (mask: number) => {
    let s = 0;
    while (s < 32 && ((mask >>> s) & 1) === 0) s++;
    return s;
  };
  const [rs, gs, bs] = [shift(redMask), shift(greenMask), shift(blueMask)];
  const bpp = bitsPerPixel / 8; // Xvfb's 24-bit screen: packed 3 bytes, lines padded to bytesPerLine
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const line = dataStart + y * bytesPerLine;
    for (let x = 0; x < width; x++) {
      const o = line + x * bpp;
      let px: number;
      if (bpp === 4) px = byteOrder === 0 ? xwd.readUInt32LE(o) : xwd.readUInt32BE(o);
      else px = byteOrder === 0 ? xwd[o]! | (xwd[o + 1]! << 8) | (xwd[o + 2]! << 16) : (xwd[o]! << 16) | (xwd[o + 1]! << 8) | xwd[o + 2]!;
      const p = (y * width + x) * 3;
      rgb[p] = ((px & redMask) >>> rs) & 0xff;
      rgb[p + 1] = ((px & greenMask) >>> gs) & 0xff;
      rgb[p + 2] = ((px & blueMask) >>> bs) & 0xff;
    }
  }
  return { width, height, rgb };
}

/** Grabs the whole X display into a PNG file; returns its size. Needs `xwd` (x11-apps). */
export async function captureDisplay(display: string, file: string): Promise<{ width: number; height: number; bytes: number }> {
  const xwd = await new Promise<Buffer>((resolve, reject) => {
    const p = spawn("xwd", ["-root", "-silent", "-display", display], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    p.stdout.on("data", (d: Buffer) => out.push(d));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.once("error", reject);
    p.once("exit", (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`xwd failed (${code}): ${err}`))));
  });
  const { width, height, rgb } = xwdToRgb(xwd);
  const png = encodePng(width, height, rgb);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, png);
  return { width, height, bytes: png.length };
}

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  bytes: number;
}

/** Reads a PNG's signature and IHDR; throws if the file is not a PNG. */
export function readPngInfo(file: string): PngInfo {
  const b = readFileSync(file);
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length < 33 || sig.some((v, i) => b[i] !== v)) throw new Error(`${file} is not a PNG`);
  if (b.toString("latin1", 12, 16) !== "IHDR") throw new Error(`${file}: first chunk is not IHDR`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), bitDepth: b[24]!, colorType: b[25]!, bytes: b.length };
}

/** How many distinct colours a PNG we wrote has (a blank capture has one): decodes our own encoding only. */
export async function distinctColours(file: string, sampleStep = 7): Promise<number> {
  const { inflateSync } = await import("node:zlib");
  const b = readFileSync(file);
  const info = readPngInfo(file);
  const idat: Buffer[] = [];
  for (let o = 8; o < b.length; ) {
    const len = b.readUInt32BE(o);
    const type = b.toString("latin1", o + 4, o + 8);
    if (type === "IDAT") idat.push(b.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = info.width * 3 + 1;
  const seen = new Set<number>();
  for (let y = 0; y < info.height; y += sampleStep) {
    if (raw[y * stride] !== 0) throw new Error("distinctColours only reads unfiltered PNGs (ours)");
    for (let x = 0; x < info.width; x += sampleStep) {
      const o = y * stride + 1 + x * 3;
      seen.add((raw[o]! << 16) | (raw[o + 1]! << 8) | raw[o + 2]!);
    }
  }
  return seen.size;
}
