// The Experiments' parent scripts: each API folder's src/implementation.ts (TypeScript, typed
// against Thunderbird's privileged globals in src/privileged.ts) bundled by esbuild into the
// implementation.js that the .xpi ships. Thunderbird loads it as a plain script and looks the API
// class up by the folder's name, so the bundle is one IIFE whose only global is that name:
//   var mssAccounts = (() => { ... return module; })();
//   mssAccounts = mssAccounts.default;   (the class, the module's default export)
// Used by scripts/build.mjs and by the Experiment's tests (which run exactly this text).
import { build } from "esbuild";
import { existsSync } from "node:fs";
import path from "node:path";

/** The parent script of the Experiment in `apiDir` (e.g. extension/experiments/mssAccounts), as text. */
export async function bundleExperiment(apiDir) {
  const name = path.basename(apiDir);
  // An Experiment whose code needs a page's globals (timers, Web Crypto…) provides them in
  // src/parent-globals.ts: injected in place of those globals, Thunderbird's shared scope untouched.
  const globals = path.join(apiDir, "src", "parent-globals.ts");
  const inject = existsSync(globals) ? { inject: [globals], define: { "globalThis.crypto": "parentCrypto" } } : {};
  const result = await build({
    ...inject,
    entryPoints: [path.join(apiDir, "src", "implementation.ts")],
    bundle: true,
    write: false,
    format: "iife",
    globalName: name,
    platform: "neutral",
    target: "firefox128",
    charset: "utf8",
    legalComments: "none",
    minify: false,
    logLevel: "warning",
    banner: {
      js:
        `/* This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0. */\n` +
        `/* Built from experiments/${name}/src/ by scripts/build-experiment.mjs: edit the sources, not this file. */`,
    },
    footer: { js: `${name} = ${name}.default;` },
  });
  return result.outputFiles[0].text;
}
