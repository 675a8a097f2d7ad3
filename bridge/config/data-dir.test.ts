import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertPrivateDataDir, UnsafeDataDirError } from "./data-dir.ts";

const fresh = () => mkdtempSync(path.join(os.tmpdir(), "datadir-"));

describe.skipIf(process.platform === "win32")("a data directory others can write is refused", () => {
  it("accepts a 0700 directory with a 0600 config.json (and none at all)", () => {
    const d = fresh();
    expect(() => assertPrivateDataDir(d)).not.toThrow();
    writeFileSync(path.join(d, "config.json"), "{}", { mode: 0o600 });
    expect(() => assertPrivateDataDir(d)).not.toThrow();
  });

  it("refuses a group- or world-writable directory, saying `chmod 700`", () => {
    for (const mode of [0o770, 0o707, 0o777]) {
      const d = fresh();
      chmodSync(d, mode);
      expect(() => assertPrivateDataDir(d)).toThrow(UnsafeDataDirError);
      expect(() => assertPrivateDataDir(d)).toThrow(`chmod 700 '${d}'`);
    }
  });

  it("refuses a config.json others can write (it names the PKCS#11 library to load), saying `chmod 600`", () => {
    const d = fresh();
    const f = path.join(d, "config.json");
    writeFileSync(f, "{}");
    chmodSync(f, 0o664);
    expect(() => assertPrivateDataDir(d)).toThrow(`chmod 600 '${f}'`);
  });

  it("refuses a directory or config.json owned by another user, saying to chown it", () => {
    const d = fresh();
    const uid = (process.getuid?.() ?? 0) + 1;
    expect(() => assertPrivateDataDir(d, { uid })).toThrow(/owned by another user.*chown/s);
  });

  it("a group- or world-readable directory is not refused (read is not write)", () => {
    const d = fresh();
    chmodSync(d, 0o755);
    expect(() => assertPrivateDataDir(d)).not.toThrow();
  });
});
