#!/usr/bin/env node
// `npm run build`: bundles the Thunderbird extension with esbuild and packages it, and bundles the
// bridge (scripts/build-bridge.mjs).
//   dist/extension/             the unpacked extension (load it as a temporary add-on)
//   dist/mssante-thunderbird.xpi the package (manifest.json at the root of the zip)
//   dist/bridge/                the bridge's bundles (what bin/mss-bridge.mjs runs)
// Options: --out DIR builds the extension only, into DIR (the bridge's bundle always lives in
// dist/bridge/, where the bridge looks for its child processes); env MSS_EXTRA_CA_DIR=DIR adds that
// folder's *.pem CAs to the trusted IGC-Santé set (tests/demo only; see
// extension/data/igc-sante-cas/README.md) and makes a test/demo build (__MSS_TEST_BUILD__ true).
// Updates (docs/packaging.md, "Extension updates"): the manifest's gecko.update_url is env
// MSS_UPDATE_URL (default DEFAULT_UPDATE_URL below; "none" leaves it out; a test/demo build has
// none unless MSS_UPDATE_URL is set), and dist/updates.json (beside the .xpi) lists this version
// with its download link, env MSS_UPDATE_LINK ("{version}" replaced; default DEFAULT_UPDATE_LINK),
// and the .xpi's SHA-256 as update_hash.
import { createHash, X509Certificate } from "node:crypto";
import { build } from "esbuild";
import { cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yazl from "yazl";
import { buildBridge } from "./build-bridge.mjs";
import { bundleExperiment } from "./build-experiment.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const outArg = args.indexOf("--out");
const outRoot = path.resolve(outArg >= 0 ? args[outArg + 1] : path.join(root, "dist"));
const extDir = path.join(outRoot, "extension");
const xpiPath = path.join(outRoot, "mssante-thunderbird.xpi");
const src = path.join(root, "extension");
const updatesPath = path.join(outRoot, "updates.json");
/** Where Thunderbird looks for updates of an extension not pinned by policy: the latest release's updates.json. */
const DEFAULT_UPDATE_URL = "https://github.com/mssante-thunderbird/mssante-thunderbird/releases/latest/download/updates.json";
/** Where that release publishes this version's .xpi (the release workflow uploads it under this name). */
const DEFAULT_UPDATE_LINK =
  "https://github.com/mssante-thunderbird/mssante-thunderbird/releases/download/v{version}/mssante-thunderbird-{version}.xpi";

const ENTRIES = {
  background: "background/main.ts",
  "pages/setup/setup": "pages/setup/setup.ts",
  "pages/popup/popup": "pages/popup/popup.ts",
  "pages/guard/guard": "pages/guard/guard.ts",
  "pages/reading/reading": "pages/reading/reading.ts",
  "pages/reading/document": "pages/reading/document.ts",
  "pages/reading/banner": "pages/reading/banner.ts",
  "pages/options/options": "pages/options/options.ts",
  "pages/compose/compose": "pages/compose/compose.ts",
};

function copyFiltered(from, to, keep) {
  for (const name of readdirSync(from)) {
    const f = path.join(from, name);
    const t = path.join(to, name);
    if (statSync(f).isDirectory()) copyFiltered(f, t, keep);
    else if (keep(f)) {
      mkdirSync(path.dirname(t), { recursive: true });
      cpSync(f, t);
    }
  }
}

function subjectCommonName(pem) {
  try {
    const line = new X509Certificate(pem).subject.split("\n").find((l) => l.startsWith("CN="));
    return line ? line.slice(3) : undefined;
  } catch {
    return undefined;
  }
}

function pemFiles(dir) {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith(".pem") || n.endsWith(".crt"))
    .sort()
    .flatMap((n) => {
      const text = readFileSync(path.join(dir, n), "utf8");
      const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      // The subject CN lets the setup page tell a card issued outside IGC-Santé (shared/domain/igc-sante.ts).
      return blocks.map((pem, i) => ({ name: blocks.length > 1 ? `${n}#${i + 1}` : n, pem, subjectCN: subjectCommonName(pem) }));
    });
}

function listFiles(dir, base = dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const f = path.join(dir, n);
      return statSync(f).isDirectory() ? listFiles(f, base) : [path.relative(base, f).split(path.sep).join("/")];
    });
}

async function main() {
  const started = Date.now();
  rmSync(extDir, { recursive: true, force: true });
  mkdirSync(extDir, { recursive: true });

  // IGC-Santé server CAs as data, plus test/demo CAs when asked for at build time. A build with
  // extra CAs is a test/demo build: it also keeps a test-only trust list as its saved copy.
  const extraDir = process.env.MSS_EXTRA_CA_DIR;
  const shipped = pemFiles(path.join(src, "data", "igc-sante-cas"));
  const extra = pemFiles(extraDir).map((c) => ({ ...c, name: `extra:${c.name}` }));

  await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, path.join(src, v)])),
    outdir: extDir,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "firefox128",
    charset: "utf8",
    legalComments: "none",
    sourcemap: false,
    minify: false,
    logLevel: "warning",
    define: { __MSS_TEST_BUILD__: JSON.stringify(extra.length > 0) },
  });

  // Manifest (top level of the repository by design) with the update URL, then static files.
  const updateUrl = updateUrlFor(extra.length > 0);
  const sourceManifest = JSON.parse(readFileSync(path.join(root, "manifest.json"), "utf8"));
  if (updateUrl) sourceManifest.browser_specific_settings.gecko.update_url = updateUrl;
  writeFileSync(path.join(extDir, "manifest.json"), `${JSON.stringify(sourceManifest, null, 2)}\n`);
  cpSync(path.join(src, "_locales"), path.join(extDir, "_locales"), { recursive: true });
  cpSync(path.join(src, "icons"), path.join(extDir, "icons"), { recursive: true });
  // Experiments: each API folder's schema.json, and its implementation.js built from its src/
  // (scripts/build-experiment.mjs); nothing else (sources and tests stay out of the package).
  for (const api of readdirSync(path.join(src, "experiments"), { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const out = path.join(extDir, "experiments", api.name);
    mkdirSync(out, { recursive: true });
    cpSync(path.join(src, "experiments", api.name, "schema.json"), path.join(out, "schema.json"));
    writeFileSync(path.join(out, "implementation.js"), await bundleExperiment(path.join(src, "experiments", api.name)));
  }
  copyFiltered(path.join(src, "pages"), path.join(extDir, "pages"), (f) => /\.(html|css|svg|png)$/.test(f));

  mkdirSync(path.join(extDir, "data"), { recursive: true });
  writeFileSync(
    path.join(extDir, "data", "igc-sante-cas.json"),
    `${JSON.stringify({ includesExtra: extra.length > 0, certificates: [...shipped, ...extra] }, null, 1)}\n`,
  );

  // Package: sorted entries with a fixed date, so the same sources give the same .xpi.
  await new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    const mtime = new Date("2026-01-01T00:00:00Z");
    for (const rel of listFiles(extDir)) zip.addFile(path.join(extDir, rel), rel, { mtime, mode: 0o644 });
    zip.end();
    zip.outputStream.pipe(createWriteStream(xpiPath)).on("close", resolve).on("error", reject);
  });

  const manifest = JSON.parse(readFileSync(path.join(extDir, "manifest.json"), "utf8"));
  rmSync(updatesPath, { force: true });
  if (updateUrl) writeFileSync(updatesPath, `${JSON.stringify(updatesJson(manifest, readFileSync(xpiPath)), null, 2)}\n`);
  console.log(
    `built ${path.relative(process.cwd(), xpiPath) || xpiPath} (${statSync(xpiPath).size} bytes, version ${manifest.version}, ` +
      `${shipped.length} IGC-Santé CA(s)${extra.length ? ` + ${extra.length} extra CA(s) from MSS_EXTRA_CA_DIR` : ""}) in ${Date.now() - started} ms`,
  );
  console.log(
    updateUrl
      ? `update_url ${updateUrl}; ${path.relative(process.cwd(), updatesPath) || updatesPath} written`
      : "no update_url (updates by the packages or a policy only)",
  );
}

/** The manifest's update_url: MSS_UPDATE_URL, else the default, but none for "none" and for a test/demo build not given one. */
function updateUrlFor(testBuild) {
  const asked = process.env.MSS_UPDATE_URL;
  if (asked === "none") return undefined;
  if (asked) {
    if (!/^https:\/\//.test(asked)) throw new Error(`MSS_UPDATE_URL must be an https:// URL (Thunderbird refuses others): ${asked}`);
    return asked;
  }
  return testBuild ? undefined : DEFAULT_UPDATE_URL;
}

/** Thunderbird's update manifest for this one version: its link, the .xpi's SHA-256 and the Thunderbird versions it supports. */
function updatesJson(manifest, xpi) {
  const gecko = manifest.browser_specific_settings.gecko;
  const link = (process.env.MSS_UPDATE_LINK || DEFAULT_UPDATE_LINK).replaceAll("{version}", manifest.version);
  return {
    addons: {
      [gecko.id]: {
        updates: [
          {
            version: manifest.version,
            update_link: link,
            update_hash: `sha256:${createHash("sha256").update(xpi).digest("hex")}`,
            applications: { gecko: { strict_min_version: gecko.strict_min_version, strict_max_version: gecko.strict_max_version } },
          },
        ],
      },
    },
  };
}

main()
  .then(() => (outArg >= 0 ? undefined : buildBridge()))
  .catch((e) => {
    console.error("build failed:", e instanceof Error ? e.message : e);
    process.exit(1);
  });
