#!/usr/bin/env node
// `npm run test:package` (CI): the .deb as a GP's PC gets it. Installs dist/packages/
// mss-bridge_<version>_amd64.deb with apt-get, checks the executable runs with no Node on the PATH,
// runs the end-to-end stage against the installed package (MSS_E2E_PACKAGED=1: no `mss-bridge
// install`, no `mss-bridge start`; Thunderbird finds the package's system manifest and starts the
// bridge), then `apt-get purge` and checks that nothing of the package is left. Needs root.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const deb = path.join(root, "dist", "packages", `mss-bridge_${version}_amd64.deb`);
const fail = (msg) => {
  console.error(`test-package: ${msg}`);
  process.exit(1);
};
if (process.getuid?.() !== 0) fail("installing the package needs root");
if (!existsSync(deb)) fail(`${deb} is missing: run \`npm run package\` first`);

const apt = (args) =>
  execFileSync("apt-get", ["-y", "-q", ...args], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
const installed = () =>
  spawnSync("dpkg-query", ["-W", "-f=\u0024{Status}", "mss-bridge"], { encoding: "utf8" }).stdout.includes("install ok installed");

if (installed()) {
  console.log("test-package: an earlier mss-bridge is installed; purging it first");
  apt(["purge", "mss-bridge"]);
}
const t0 = Date.now();
apt(["install", deb]);
console.log(`test-package: installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const files = execFileSync("dpkg-query", ["-L", "mss-bridge"], { encoding: "utf8" }).split("\n").filter(Boolean);

let status = 0;
try {
  // The executable needs no Node: an empty environment and a PATH with nothing on it.
  const empty = mkdtempSync(path.join(os.tmpdir(), "no-node-"));
  const v = spawnSync("/usr/bin/mss-bridge", ["--version"], { env: { PATH: empty, HOME: empty }, encoding: "utf8" });
  if (v.status !== 0 || v.stdout.trim() !== version)
    fail(`/usr/bin/mss-bridge --version without Node on the PATH: exit ${v.status}, "${v.stdout.trim()}" ${v.stderr}`);
  console.log(`test-package: /usr/bin/mss-bridge --version with no Node on the PATH: ${v.stdout.trim()}`);

  const e2e = spawnSync(process.execPath, [path.join(root, "scripts", "test.mjs"), "--stage", "e2e", ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, MSS_E2E_PACKAGED: "1", MSS_BRIDGE_EXECUTABLE: "/usr/bin/mss-bridge" },
  });
  status = e2e.status ?? 1;
} finally {
  apt(["purge", "mss-bridge"]);
  const left = files.filter((f) => (f.includes("mss-bridge") || f.includes("mssante") ? existsSync(f) : false));
  if (installed()) fail("mss-bridge is still installed after apt-get purge");
  if (left.length) fail(`apt-get purge left: ${left.join(", ")}`);
  console.log(`test-package: purged; none of the package's ${files.length} paths is left`);
}
process.exit(status);
