#!/usr/bin/env node
// Signatures of the packages (docs/packaging.md, "Signatures"). Debian's tools only: openssl,
// osslsigncode (Authenticode for the Windows executable, its .node modules and the MSI), gpg and
// dpkg-scanpackages (dpkg-dev) for a signed apt repository.
//
//   node scripts/packaging/sign.mjs test-keys --out DIR
//       A throwaway test CA and code-signing certificate (openssl) and a throwaway GnuPG key, made
//       now, for CI: DIR/ca.pem, DIR/codesign.pem, DIR/codesign.key, DIR/gnupg/ (the GnuPG home),
//       DIR/apt-key.fpr (its fingerprint), DIR/apt-archive-keyring.gpg (its public key). Never
//       commit DIR; real keys are secrets of the release workflows.
//   node scripts/packaging/sign.mjs authenticode (--cert PEM --key PEM | --pkcs12 P12 [--pass-file F])
//          [--ca PEM] [--timestamp URL] FILE...
//       Signs each PE or MSI file in place (SHA-256), then checks it with `osslsigncode verify`
//       against --ca when given (a file whose signature does not verify fails the command).
//   node scripts/packaging/sign.mjs verify-authenticode --ca PEM FILE...
//   node scripts/packaging/sign.mjs apt-repo --out DIR --gnupg HOME --key FINGERPRINT [--suite stable] DEB...
//       An apt repository in DIR: pool/main/<letter>/<package>/*.deb, dists/<suite>/main/binary-<arch>/
//       Packages and Packages.gz, dists/<suite>/Release with their SHA-256 and SHA-512, InRelease
//       (clear-signed) and Release.gpg (detached), and DIR/<suite>-archive-keyring.gpg (the public
//       key for `signed-by=`).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { parseArgs } from "node:util";

const fail = (msg) => {
  console.error(`sign: ${msg}`);
  process.exit(1);
};
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });

const [command, ...rest] = process.argv.slice(2);
const { values: opt, positionals: files } = parseArgs({
  args: rest,
  allowPositionals: true,
  options: {
    out: { type: "string" },
    cert: { type: "string" },
    key: { type: "string" },
    pkcs12: { type: "string" },
    "pass-file": { type: "string" },
    ca: { type: "string" },
    timestamp: { type: "string" },
    gnupg: { type: "string" },
    suite: { type: "string", default: "stable" },
  },
});

const PUBLISHER = "MSSanté for Thunderbird";
const PRODUCT_URL = "https://github.com/mssante-thunderbird/mssante-thunderbird";

function testKeys(out) {
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const p = (f) => path.join(out, f);
  // A CA and a code-signing leaf, valid for two days: enough for a CI run, useless after.
  writeFileSync(
    p("openssl.cnf"),
    [
      "[req]",
      "distinguished_name = dn",
      "[dn]",
      "[ca]",
      "basicConstraints = critical, CA:true",
      "keyUsage = critical, keyCertSign, cRLSign",
      "subjectKeyIdentifier = hash",
      "[leaf]",
      "basicConstraints = critical, CA:false",
      "keyUsage = critical, digitalSignature",
      "extendedKeyUsage = codeSigning",
      "subjectKeyIdentifier = hash",
      "authorityKeyIdentifier = keyid",
      "",
    ].join("\n"),
  );
  const cnf = ["-config", p("openssl.cnf")];
  run(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", ...cnf, "-extensions", "ca"].concat([
      "-subj",
      "/O=MSSante for Thunderbird TEST/CN=TEST ONLY code signing CA",
      "-days",
      "2",
      "-keyout",
      p("ca.key"),
      "-out",
      p("ca.pem"),
    ]),
  );
  run(
    "openssl",
    ["req", "-newkey", "rsa:2048", "-nodes", ...cnf, "-subj", "/O=MSSante for Thunderbird TEST/CN=TEST ONLY code signing"].concat([
      "-keyout",
      p("codesign.key"),
      "-out",
      p("codesign.csr"),
    ]),
  );
  run(
    "openssl",
    ["x509", "-req", "-in", p("codesign.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"), "-CAcreateserial"].concat([
      "-days",
      "2",
      "-extfile",
      p("openssl.cnf"),
      "-extensions",
      "leaf",
      "-out",
      p("codesign.pem"),
    ]),
  );
  for (const k of ["ca.key", "codesign.key"]) chmodSync(p(k), 0o600);

  // GnuPG: a fresh home, an Ed25519 signing key without passphrase, expiring in two days.
  const home = p("gnupg");
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const gpg = (args) => run("gpg", ["--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args]);
  gpg(["--quick-gen-key", "MSSante for Thunderbird TEST apt key <apt-test@mssante-thunderbird.invalid>", "ed25519", "sign", "2d"]);
  const fpr = gpg(["--with-colons", "--list-secret-keys"])
    .split("\n")
    .find((l) => l.startsWith("fpr:"))
    ?.split(":")[9];
  if (!fpr) fail("gpg made no key");
  writeFileSync(p("apt-key.fpr"), `${fpr}\n`);
  writeFileSync(p("apt-archive-keyring.gpg"), execFileSync("gpg", ["--homedir", home, "--batch", "--export", fpr]));
  stopAgent(home);
  console.log(`test keys in ${out}: code-signing certificate codesign.pem (CA ca.pem), GnuPG key ${fpr}`);
}

function verifyAuthenticode(ca, file) {
  try {
    return run("osslsigncode", ["verify", "-CAfile", ca, "-in", file]);
  } catch (e) {
    const detail = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim().split("\n").slice(-4).join(" / ");
    throw new Error(`${path.basename(file)}: signature does not verify against ${path.basename(ca)}: ${detail}`);
  }
}

function authenticode(list) {
  if (!list.length) fail("authenticode: no file to sign");
  const signer = opt.pkcs12
    ? ["-pkcs12", opt.pkcs12, ...(opt["pass-file"] ? ["-readpass", opt["pass-file"]] : [])]
    : opt.cert && opt.key
      ? ["-certs", opt.cert, "-key", opt.key]
      : fail("authenticode: give --cert and --key, or --pkcs12");
  for (const file of list) {
    if (!existsSync(file)) fail(`authenticode: no file ${file}`);
    const tmp = `${file}.signing`;
    rmSync(tmp, { force: true });
    // An MSI's description is shown by Windows' UAC prompt; the URL is the publisher's.
    run("osslsigncode", [
      "sign",
      ...signer,
      "-h",
      "sha256",
      "-n",
      `Pont MSSanté / MSSanté bridge (${path.basename(file)})`,
      "-i",
      PRODUCT_URL,
      ...(opt.timestamp ? ["-ts", opt.timestamp] : []),
      "-in",
      file,
      "-out",
      tmp,
    ]);
    renameSync(tmp, file);
    if (opt.ca) verifyAuthenticode(opt.ca, file);
    console.log(`signed ${file}${opt.ca ? " (verified)" : ""}`);
  }
}

/** gpg starts an agent for the home it signs with: stop it, nothing of ours keeps running. */
function stopAgent(home) {
  try {
    run("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]);
  } catch {
    // No agent running: nothing to stop.
  }
}

const sha = (alg, f) => createHash(alg).update(readFileSync(f)).digest("hex");

function aptRepo(out, debs) {
  if (!opt.gnupg || !opt.key) fail("apt-repo: give --gnupg HOME and --key FINGERPRINT");
  if (!debs.length) fail("apt-repo: no .deb");
  const suite = opt.suite;
  const arches = new Set();
  for (const deb of debs) {
    const field = (f) => run("dpkg-deb", ["--field", deb, f]).trim();
    const name = field("Package");
    arches.add(field("Architecture"));
    const pool = path.join(out, "pool", "main", name.startsWith("lib") ? name.slice(0, 4) : name[0], name);
    mkdirSync(pool, { recursive: true });
    copyFileSync(deb, path.join(pool, path.basename(deb)));
  }
  const indexed = [];
  for (const arch of [...arches].sort()) {
    const rel = `main/binary-${arch}`;
    const dir = path.join(out, "dists", suite, rel);
    mkdirSync(dir, { recursive: true });
    // Paths in Packages are relative to the repository's root (Filename: pool/…).
    const packages = run("dpkg-scanpackages", ["--multiversion", "--arch", arch, "pool", "/dev/null"], { cwd: out });
    writeFileSync(path.join(dir, "Packages"), packages);
    writeFileSync(path.join(dir, "Packages.gz"), gzipSync(packages, { level: 9 }));
    indexed.push(`${rel}/Packages`, `${rel}/Packages.gz`);
  }
  const dists = path.join(out, "dists", suite);
  const hashes = (alg) =>
    indexed.map((f) => ` ${sha(alg, path.join(dists, f))} ${String(statSync(path.join(dists, f)).size).padStart(8)} ${f}`);
  const release = [
    `Origin: ${PUBLISHER}`,
    "Label: mss-bridge",
    `Suite: ${suite}`,
    `Codename: ${suite}`,
    `Date: ${new Date().toUTCString().replace("GMT", "UTC")}`,
    `Architectures: ${[...arches].sort().join(" ")}`,
    "Components: main",
    "Description: MSSanté bridge for Thunderbird",
    "SHA256:",
    ...hashes("sha256"),
    "SHA512:",
    ...hashes("sha512"),
    "",
  ].join("\n");
  writeFileSync(path.join(dists, "Release"), release);
  const gpg = (args) =>
    run("gpg", [
      "--homedir",
      opt.gnupg,
      "--batch",
      "--yes",
      "--pinentry-mode",
      "loopback",
      "--passphrase",
      "",
      "--local-user",
      opt.key,
      ...args,
    ]);
  gpg(["--clearsign", "--digest-algo", "SHA512", "--output", path.join(dists, "InRelease"), path.join(dists, "Release")]);
  gpg(["--detach-sign", "--armor", "--digest-algo", "SHA512", "--output", path.join(dists, "Release.gpg"), path.join(dists, "Release")]);
  writeFileSync(
    path.join(out, `${suite}-archive-keyring.gpg`),
    execFileSync("gpg", ["--homedir", opt.gnupg, "--batch", "--export", opt.key]),
  );
  stopAgent(opt.gnupg);
  const count = readdirSync(path.join(out, "pool", "main"), { recursive: true }).filter((f) => String(f).endsWith(".deb")).length;
  console.log(`apt repository ${out}: suite ${suite}, ${count} package(s), signed by ${opt.key}`);
}

try {
  dispatch();
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}

function dispatch() {
  switch (command) {
    case "test-keys":
      testKeys(path.resolve(opt.out ?? fail("test-keys: give --out DIR")));
      break;
    case "authenticode":
      authenticode(files);
      break;
    case "verify-authenticode":
      for (const f of files) verifyAuthenticode(opt.ca ?? fail("verify-authenticode: give --ca"), f);
      console.log(`verified ${files.length} file(s) against ${opt.ca}`);
      break;
    case "apt-repo":
      aptRepo(path.resolve(opt.out ?? fail("apt-repo: give --out DIR")), files);
      break;
    default:
      fail("usage: sign.mjs test-keys | authenticode | verify-authenticode | apt-repo (see the file's header)");
  }
}
