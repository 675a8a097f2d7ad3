/**
 * The packages' signatures with throwaway test keys made at run time (scripts/packaging/sign.mjs
 * test-keys): the Windows executable and the MSI signed with osslsigncode and verified against the
 * test CA, refused once a byte changes or against another CA; and a signed apt repository that
 * apt-get accepts with `signed-by=` the test key — in a private apt configuration, never the
 * machine's — and refuses when its Release or Packages is tampered with or signed by another key.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../harness/bridge-process.ts";
import { missingComponents } from "../harness/require-component.ts";

const skip = missingComponents("package-signatures", [
  "openssl",
  "osslsigncode",
  "gpg",
  "gpgconf",
  "dpkg-deb",
  "dpkg-scanpackages",
  "apt-get",
  "apt-cache",
  "wixl",
  "msibuild",
]);

const SIGN = path.join(REPO_ROOT, "scripts/packaging/sign.mjs");
const tmp = mkdtempSync(path.join(os.tmpdir(), "mss-sign-"));
const keys = path.join(tmp, "keys");
const otherKeys = path.join(tmp, "other-keys");

function sign(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [SIGN, ...args], { encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A minimal valid PE32+ image (one section holding `ret`): what osslsigncode needs to sign. */
function tinyPe(): Buffer {
  const b = Buffer.alloc(0x400);
  b.write("MZ", 0, "latin1");
  b.writeUInt32LE(0x40, 0x3c); // e_lfanew
  b.write("PE\0\0", 0x40, "latin1");
  const coff = 0x44;
  b.writeUInt16LE(0x8664, coff); // x64
  b.writeUInt16LE(1, coff + 2); // one section
  b.writeUInt16LE(240, coff + 16); // size of the PE32+ optional header
  b.writeUInt16LE(0x22, coff + 18); // executable, large-address aware
  const opt = coff + 20;
  b.writeUInt16LE(0x20b, opt); // PE32+
  b.writeUInt32LE(0x200, opt + 4); // size of code
  b.writeUInt32LE(0x1000, opt + 16); // entry point
  b.writeUInt32LE(0x1000, opt + 20); // base of code
  b.writeBigUInt64LE(0x140000000n, opt + 24); // image base
  b.writeUInt32LE(0x1000, opt + 32); // section alignment
  b.writeUInt32LE(0x200, opt + 36); // file alignment
  b.writeUInt16LE(6, opt + 40); // OS version
  b.writeUInt16LE(6, opt + 48); // subsystem version
  b.writeUInt32LE(0x2000, opt + 56); // size of image
  b.writeUInt32LE(0x200, opt + 60); // size of headers
  b.writeUInt16LE(3, opt + 68); // console
  b.writeBigUInt64LE(0x100000n, opt + 72); // stack reserve
  b.writeBigUInt64LE(0x1000n, opt + 80); // stack commit
  b.writeBigUInt64LE(0x100000n, opt + 88); // heap reserve
  b.writeBigUInt64LE(0x1000n, opt + 96); // heap commit
  b.writeUInt32LE(16, opt + 108); // data directories (the certificate table is the 5th)
  const sec = opt + 240;
  b.write(".text", sec, "latin1");
  b.writeUInt32LE(1, sec + 8); // virtual size
  b.writeUInt32LE(0x1000, sec + 12); // virtual address
  b.writeUInt32LE(0x200, sec + 16); // raw size
  b.writeUInt32LE(0x200, sec + 20); // raw offset
  b.writeUInt32LE(0x60000020, sec + 36); // code, execute, read
  b[0x200] = 0xc3; // ret
  return b;
}

function flipByte(file: string, at: number): void {
  const b = readFileSync(file);
  b[at] = (b[at] ?? 0) ^ 0xff;
  writeFileSync(file, b);
}

beforeAll(() => {
  if (skip) return;
  for (const dir of [keys, otherKeys]) {
    const r = sign("test-keys", "--out", dir);
    expect(r.status, r.out).toBe(0);
  }
}, 60_000);

afterAll(() => {
  for (const dir of [keys, otherKeys]) spawnSync("gpgconf", ["--homedir", path.join(dir, "gnupg"), "--kill", "gpg-agent"]);
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(skip)("Authenticode: the Windows executable and the MSI (osslsigncode)", () => {
  const key = () => [
    "--cert",
    path.join(keys, "codesign.pem"),
    "--key",
    path.join(keys, "codesign.key"),
    "--ca",
    path.join(keys, "ca.pem"),
  ];
  let exe: string;
  let msi: string;

  beforeAll(() => {
    const payload = path.join(tmp, "payload");
    mkdirSync(payload, { recursive: true });
    exe = path.join(payload, "mss-bridge.exe");
    writeFileSync(exe, tinyPe());
    const xpi = path.join(tmp, "ext.xpi");
    writeFileSync(xpi, "PK\u0005\u0006".padEnd(22, "\0"));
    const r = sign("authenticode", ...key(), exe);
    expect(r.status, r.out).toBe(0);
    const out = path.join(tmp, "msi");
    execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts/packaging/msi.mjs"), "--payload", payload, "--xpi", xpi, "--out", out], {
      stdio: "pipe",
    });
    msi = path.join(out, readdirSync(out).find((f) => f.endsWith(".msi"))!);
    const m = sign("authenticode", ...key(), msi);
    expect(m.status, m.out).toBe(0);
  }, 60_000);

  it("signs the executable and the MSI, and both verify against the test CA", () => {
    for (const f of [exe, msi]) {
      const out = execFileSync("osslsigncode", ["verify", "-CAfile", path.join(keys, "ca.pem"), "-in", f], { encoding: "utf8" });
      expect(out).toMatch(/Signature verification: ok/);
      expect(out).toMatch(/TEST ONLY code signing/);
    }
    expect(sign("verify-authenticode", "--ca", path.join(keys, "ca.pem"), exe, msi).status).toBe(0);
  });

  it("refuses a signature from another CA", () => {
    const r = sign("verify-authenticode", "--ca", path.join(otherKeys, "ca.pem"), exe);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/mss-bridge\.exe: signature does not verify/);
  });

  it("refuses the executable and the MSI once a signed byte changes", () => {
    const badExe = path.join(tmp, "tampered.exe");
    cpSync(exe, badExe);
    flipByte(badExe, 0x200); // the code
    const badMsi = path.join(tmp, "tampered.msi");
    cpSync(msi, badMsi);
    flipByte(badMsi, 0x800); // inside the compound file's first sectors
    for (const f of [badExe, badMsi]) {
      const r = sign("verify-authenticode", "--ca", path.join(keys, "ca.pem"), f);
      expect(r.status, f).toBe(1);
      expect(r.out).toMatch(/signature does not verify/);
    }
  });

  it("refuses to sign without a key", () => {
    const r = sign("authenticode", exe);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/give --cert and --key, or --pkcs12/);
  });
});

describe.skipIf(skip)("the signed apt repository", () => {
  const fpr = (dir: string) => readFileSync(path.join(dir, "apt-key.fpr"), "utf8").trim();
  let repo: string;

  /** A private apt: its own sources, lists, cache and status; the machine's apt state untouched. */
  function apt(name: string, repoDir: string, keyring: string) {
    const dir = path.join(tmp, "apt", name);
    for (const d of ["lists/partial", "cache/archives/partial", "empty"]) mkdirSync(path.join(dir, d), { recursive: true });
    writeFileSync(path.join(dir, "sources.list"), `deb [signed-by=${keyring}] file:${repoDir} stable main\n`);
    writeFileSync(path.join(dir, "status"), "");
    const o = Object.entries({
      "Dir::Etc::sourcelist": path.join(dir, "sources.list"),
      "Dir::Etc::sourceparts": "-",
      "Dir::Etc::trusted": "/dev/null",
      "Dir::Etc::trustedparts": path.join(dir, "empty"),
      "Dir::Etc::preferences": "/dev/null",
      "Dir::Etc::preferencesparts": path.join(dir, "empty"),
      "Dir::State::Lists": path.join(dir, "lists"),
      "Dir::State::status": path.join(dir, "status"),
      "Dir::Cache": path.join(dir, "cache"),
      // file:// sources read as this user (the _apt sandbox user cannot read a private tmp dir).
      "APT::Sandbox::User": os.userInfo().username,
      "Debug::NoLocking": "true",
    }).flatMap(([k, v]) => ["-o", `${k}=${v}`]);
    const update = spawnSync("apt-get", [...o, "update"], { encoding: "utf8" });
    const policy = spawnSync("apt-cache", [...o, "policy", "mss-bridge"], { encoding: "utf8" }).stdout;
    return { status: update.status, out: `${update.stdout}${update.stderr}`, policy };
  }

  function copyRepo(name: string): string {
    const dir = path.join(tmp, name);
    cpSync(repo, dir, { recursive: true });
    return dir;
  }

  beforeAll(() => {
    const stage = path.join(tmp, "deb");
    mkdirSync(path.join(stage, "DEBIAN"), { recursive: true });
    mkdirSync(path.join(stage, "usr/share/doc/mss-bridge"), { recursive: true });
    writeFileSync(
      path.join(stage, "DEBIAN/control"),
      "Package: mss-bridge\nVersion: 0.1.0\nArchitecture: amd64\nMaintainer: Test <test@mssante-thunderbird.invalid>\nDescription: test package\n signature test\n",
    );
    writeFileSync(path.join(stage, "usr/share/doc/mss-bridge/README"), "test\n");
    const deb = path.join(tmp, "mss-bridge_0.1.0_amd64.deb");
    execFileSync("dpkg-deb", ["--root-owner-group", "--build", stage, deb], { stdio: "pipe" });
    repo = path.join(tmp, "repo");
    const r = sign("apt-repo", "--out", repo, "--gnupg", path.join(keys, "gnupg"), "--key", fpr(keys), deb);
    expect(r.status, r.out).toBe(0);
  }, 60_000);

  it("has the layout: pool, Packages(.gz), Release with hashes, InRelease and Release.gpg", () => {
    const dists = path.join(repo, "dists/stable");
    expect(readdirSync(path.join(repo, "pool/main/m/mss-bridge"))).toEqual(["mss-bridge_0.1.0_amd64.deb"]);
    const packages = readFileSync(path.join(dists, "main/binary-amd64/Packages"), "utf8");
    expect(packages).toMatch(/^Package: mss-bridge$/m);
    expect(packages).toMatch(/^Filename: pool\/main\/m\/mss-bridge\/mss-bridge_0\.1\.0_amd64\.deb$/m);
    const release = readFileSync(path.join(dists, "Release"), "utf8");
    expect(release).toMatch(/^Suite: stable$/m);
    expect(release).toMatch(
      /^SHA256:\n [0-9a-f]{64} +\d+ main\/binary-amd64\/Packages\n [0-9a-f]{64} +\d+ main\/binary-amd64\/Packages\.gz$/m,
    );
    expect(readFileSync(path.join(dists, "InRelease"), "utf8")).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----/);
    expect(readFileSync(path.join(dists, "Release.gpg"), "utf8")).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
  });

  it("is accepted by apt-get with signed-by= the test key", () => {
    const r = apt("good", repo, path.join(repo, "stable-archive-keyring.gpg"));
    expect(r.status, r.out).toBe(0);
    expect(r.out).not.toMatch(/^(W|E):/m);
    expect(r.policy).toMatch(/Candidate: 0\.1\.0/);
  }, 60_000);

  it("is refused when the signed Release is tampered with", () => {
    const bad = copyRepo("repo-tampered-release");
    for (const f of ["InRelease", "Release"]) {
      const p = path.join(bad, "dists/stable", f);
      writeFileSync(p, readFileSync(p, "utf8").replace("Label: mss-bridge", "Label: mss-bridgf"));
    }
    const r = apt("tampered-release", bad, path.join(repo, "stable-archive-keyring.gpg"));
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/BADSIG/);
    expect(r.out).toMatch(/is not signed/);
    expect(r.policy).not.toMatch(/Candidate: 0\.1\.0/);
  }, 60_000);

  it("is refused when Packages no longer matches the signed hashes", () => {
    const bad = copyRepo("repo-tampered-packages");
    const p = path.join(bad, "dists/stable/main/binary-amd64/Packages");
    const text = `${readFileSync(p, "utf8")}\nPackage: intruder\nVersion: 9\nArchitecture: amd64\nFilename: pool/x.deb\nSize: 1\n`;
    writeFileSync(p, text);
    writeFileSync(`${p}.gz`, gzipSync(text));
    const r = apt("tampered-packages", bad, path.join(repo, "stable-archive-keyring.gpg"));
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/Hash Sum mismatch/);
    expect(r.policy).not.toMatch(/Candidate/);
  }, 60_000);

  it("is refused when signed-by names another key", () => {
    const r = apt("other-key", repo, path.join(otherKeys, "apt-archive-keyring.gpg"));
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/NO_PUBKEY|not signed/);
    expect(r.policy).not.toMatch(/Candidate/);
  }, 60_000);
});
