/**
 * Hostile ZIP archives (APPNOTE.TXT 4.3: local headers, central directory, end record): bombs that
 * tell the truth or lie about their size, paths escaping the archive, too many entries, encrypted
 * or damaged entries. Each is refused with its problem, quickly, and never throws out of the reader.
 */
import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { patchCentral, zip } from "../../test/fixtures/xdm-builder.ts";
import { readXdmArchive } from "./read-xdm.ts";
import { DEFAULT_ZIP_LIMITS, isSafeEntryPath, unzipSafely } from "./safe-unzip.ts";
import { XdmFailure } from "./xdm-problems.ts";

function problemOf(bytes: Uint8Array, limits = DEFAULT_ZIP_LIMITS): string {
  try {
    unzipSafely(bytes, limits);
  } catch (e) {
    if (e instanceof XdmFailure) return e.problem.code;
    throw e;
  }
  return "none";
}

describe("safe unzip", () => {
  it("reads a plain archive, stored and deflated entries alike", () => {
    const files = unzipSafely(zipSync({ "a.txt": [strToU8("stored"), { level: 0 }], "b/c.txt": strToU8("deflated ".repeat(100)) }));
    expect(new TextDecoder().decode(files.get("a.txt"))).toBe("stored");
    expect(files.get("b/c.txt")!.length).toBe(900);
  });

  it("paths escaping the archive: ../, absolute, backslash, drive letter", () => {
    for (const name of ["../evil.txt", "IHE_XDM/../../evil.txt", "/etc/evil", "IHE_XDM\\SUBSET01\\x", "C:/evil", "a/./b"]) {
      expect(isSafeEntryPath(name), name).toBe(false);
      expect(problemOf(zip({ [name]: strToU8("x") })), name).toBe("ZIP_UNSAFE_PATH");
    }
    expect(isSafeEntryPath("IHE_XDM/SUBSET01/DOC0001.XML")).toBe(true);
  });

  it("an honest bomb: 40 MiB of zeros declared as such is over the entry limit, refused before inflating", () => {
    const bomb = zipSync({ "IHE_XDM/SUBSET01/DOC0001.XML": new Uint8Array(40 * 1024 * 1024) });
    expect(bomb.length).toBeLessThan(100_000);
    expect(problemOf(bomb)).toBe("ZIP_ENTRY_TOO_BIG");
  });

  it("a high ratio under the entry limit: 4 MiB of zeros in a few kilobytes", () => {
    expect(problemOf(zipSync({ "z.bin": new Uint8Array(4 * 1024 * 1024) }))).toBe("ZIP_RATIO");
  });

  it("a lying bomb: 30 MiB of zeros declared as 1 kB is stopped at its declared size, quickly", async () => {
    const honest = zipSync({ "IHE_XDM/SUBSET01/METADATA.XML": new Uint8Array(30 * 1024 * 1024) });
    const liar = patchCentral(honest, "IHE_XDM/SUBSET01/METADATA.XML", { size: 1000 });
    const t0 = Date.now();
    expect(problemOf(liar)).toBe("ZIP_SIZE_MISMATCH");
    const r = await readXdmArchive(liar);
    expect(r.reading.problems.map((p) => p.code)).toEqual(["ZIP_SIZE_MISMATCH"]);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("the total inflated size is bounded across entries", () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 5; i++) files[`f${i}`] = strToU8(`${i}`.repeat(1000));
    expect(problemOf(zipSync(files), { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: 4000 })).toBe("ZIP_TOTAL_TOO_BIG");
  });

  it("too many entries", () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 600; i++) files[`f${i}.txt`] = strToU8("x");
    expect(problemOf(zipSync(files))).toBe("ZIP_TOO_MANY_ENTRIES");
  });

  it("an archive over the size limit", () => {
    expect(problemOf(zipSync({ a: strToU8("x") }), { ...DEFAULT_ZIP_LIMITS, maxArchiveBytes: 10 })).toBe("ZIP_TOO_BIG");
  });

  it("encrypted entries, duplicate names, damaged data, truncated or foreign bytes", () => {
    const ok = zipSync({ "a.txt": strToU8("hello hello hello hello") });
    expect(problemOf(patchCentral(ok, "a.txt", { flags: 1 }))).toBe("ZIP_UNSUPPORTED");
    const damaged = new Uint8Array(ok);
    damaged[35] = damaged[35]! ^ 0xff; // inside the deflated data of the only entry
    expect(["ZIP_CORRUPT_ENTRY", "ZIP_SIZE_MISMATCH"]).toContain(problemOf(damaged));
    expect(problemOf(ok.subarray(0, ok.length - 10))).toBe("ZIP_UNREADABLE");
    expect(problemOf(strToU8("this is not a zip file at all, only text"))).toBe("ZIP_UNREADABLE");
    expect(problemOf(new Uint8Array(0))).toBe("ZIP_UNREADABLE");
    const twice = zipSync({ "a.txt": strToU8("1"), "A.TXT": strToU8("2") });
    expect(problemOf(twice)).toBe("ZIP_DUPLICATE");
  });

  it("random bytes never throw out of the reader", async () => {
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    const base = zipSync({ "IHE_XDM/SUBSET01/METADATA.XML": strToU8("<a/>".repeat(50)), "README.TXT": strToU8("r") });
    for (let i = 0; i < 300; i++) {
      const b = new Uint8Array(base);
      for (let k = 0; k < 4; k++) b[next() % b.length] = next();
      const r = await readXdmArchive(b);
      expect(r.reading.problems.length).toBeGreaterThan(0);
    }
  });
});
