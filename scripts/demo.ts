/**
 * `npm run demo`: the whole end-to-end environment of the tests (test/harness/e2e-env.ts) for a
 * person without a CPS card or an MSSanté account: a SoftHSM token shaped like a CPS3 in a virtual
 * reader, a private DNS with the MSSanté SRV records, Dovecot and Postfix that log in with the
 * card's certificate, a generated directory with colleagues, the test trust list, the bridge, and
 * Thunderbird 153 with the extension, in a private HOME and profile.
 *
 * With $DISPLAY set, Thunderbird opens there and stays until Ctrl-C (or until its window is closed).
 * Without a display, it runs on a private virtual display (Xvfb), walks through provisioning,
 * autocomplete and the guard by itself, and writes screenshots (default test-results/demo/).
 *
 * Needs the README's set-up (Debian, root: scripts/setup). Never touches the user's Thunderbird
 * profile or HOME; pcscd is the machine's (started and stopped as the tests do, shared through a lease).
 *
 *   npm run demo                       # visible when $DISPLAY is set
 *   npm run demo -- --headless         # screenshots even with a display
 *   npm run demo -- --out DIR          # where the headless run writes its screenshots
 *   npm run demo -- --lang en          # Thunderbird in English (default: French, the doctor's)
 */
import path from "node:path";
import { mkdirSync } from "node:fs";
import { missingComponents } from "../test/harness/require-component.ts";
import { COLLEAGUES, DOCTOR, E2E_COMPONENTS, startE2EEnv, vpcdInstalled, type E2EEnv } from "../test/harness/e2e-env.ts";
import { leaseSystemPcscd, type PcscdLease } from "../test/harness/pcscd.ts";
import { startXvfb, type Xvfb } from "../test/harness/screenshot.ts";
import { waitFor } from "../test/harness/e2e-process.ts";
import {
  arrangeMainWindow,
  click,
  closeComposeWindows,
  GUARD_PAGE,
  openSetupPage,
  screenshot,
  SETUP_PAGE,
  singleSetupTab,
  startSend,
  ui,
  waitForPage,
  zoomPage,
} from "../test/e2e/ui-session.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

function say(line = ""): void {
  process.stdout.write(`${line}\n`);
}

async function tour(env: E2EEnv, display: string, out: string): Promise<string[]> {
  const d = env.tb!.driver;
  const files: string[] = [];
  await arrangeMainWindow(d);
  await openSetupPage(env);
  await waitForPage(
    d,
    SETUP_PAGE,
    ["#state-pin", "#candidates input[name=address]"],
    (p) => !!p.elements["#candidates input[name=address]"]?.exists,
    "the card to be read",
    60_000,
  );
  files.push(await screenshot(display, out, "1-setup-before"));
  await click(d, SETUP_PAGE, "#create");
  await waitForPage(d, SETUP_PAGE, ["#result"], (p) => !!p.elements["#result"]?.visible, "provisioning to finish", 120_000);
  // The extension opens a fresh setup tab once the account exists: show the one with the outcome.
  await new Promise((r) => setTimeout(r, 1000));
  await singleSetupTab(d, "first");
  await zoomPage(d, SETUP_PAGE, 0.67);
  files.push(await screenshot(display, out, "2-setup-after"));

  await d.api("compose.beginNew", { subject: "Démo : autocomplétion" });
  await ui(d, "arrangeWindow", "msgcompose", 0, 0, 1280, 900);
  await ui(d, "typeRecipient", "lefev", 15_000, true).catch((e: Error) => say(`  (autocomplete: ${e.message.split("\n")[0]})`));
  files.push(await screenshot(display, out, "3-autocomplete"));
  await ui(d, "closePopups");
  await closeComposeWindows(d);

  const tab = await d.api<{ id: number }>("compose.beginNew", {
    to: [COLLEAGUES[0].address, "dr.martin@example.com"],
    subject: "Démo : garde",
    plainTextBody: "Bonjour.",
    isPlainText: true,
  });
  await ui(d, "arrangeWindow", "msgcompose", 0, 0, 1280, 900);
  const send = startSend(d, tab.id);
  await waitForPage(d, GUARD_PAGE, ["#guard-blocked li"], (p) => !!p.elements["#guard-blocked li"]?.exists, "the guard's window");
  files.push(await screenshot(display, out, "4-guard"));
  await click(d, GUARD_PAGE, "#guard-cancel");
  await send;
  await closeComposeWindows(d);
  return files;
}

async function main(): Promise<void> {
  const reason = missingComponents("npm run demo", [
    ...E2E_COMPONENTS,
    "Xvfb",
    "xwd",
    ...(option("--lang") === "en" ? [] : ["thunderbird-l10n-fr"]),
  ]);
  if (reason) {
    say(`Cannot start the demo: ${reason.replace(/^npm run demo: /, "")}.`);
    say("It needs Debian with the project's set-up, run as root: sudo scripts/setup, then sudo npm run demo.");
    process.exit(2);
  }
  if (!vpcdInstalled()) {
    say("Cannot start the demo: the virtual card reader driver (vsmartcard-vpcd) is missing. Run scripts/setup as root.");
    process.exit(2);
  }
  const visible = !!process.env.DISPLAY && !flag("--headless");
  const out = path.resolve(option("--out") ?? path.join(REPO_ROOT, "test-results", "demo"));

  let lease: PcscdLease | null = null;
  let xvfb: Xvfb | null = null;
  let env: E2EEnv | null = null;
  let stopping = false;
  const teardown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say("\nStopping the demo (Thunderbird, bridge, mail servers, DNS, virtual card)…");
    await env?.stop().catch(() => undefined);
    await xvfb?.stop().catch(() => undefined);
    await lease?.release().catch(() => undefined);
    say("Stopped. Nothing was left in your HOME or your Thunderbird profile.");
    process.exit(code);
  };
  process.on("SIGINT", () => void teardown(0));
  process.on("SIGTERM", () => void teardown(0));

  try {
    say("Starting the MSSanté demo environment (about 15 s)…");
    lease = await leaseSystemPcscd();
    let display = process.env.DISPLAY ?? "";
    if (!visible) {
      xvfb = await startXvfb({ width: 1280, height: 900 });
      display = xvfb.display;
    }
    // French by default (Debian's thunderbird-l10n-fr, installed by scripts/setup); the extension
    // follows Thunderbird's language.
    const lang = option("--lang") === "en" ? "en-US" : "fr";
    env = await startE2EEnv({ thunderbirdOptions: { display, prefs: { "intl.locale.requested": lang } }, log: (l) => say(`  ${l}`) });

    if (!visible) {
      mkdirSync(out, { recursive: true });
      say("No display: walking through the demo on a virtual display and taking screenshots…");
      const files = await tour(env, display, out);
      say("Screenshots:");
      for (const f of files) say(`  ${f}`);
      await teardown(0);
      return;
    }

    say("");
    say("Thunderbird is open on your display, with a private profile (your own is untouched).");
    say("");
    say(
      `  The virtual CPS card holds Dr ${DOCTOR.givenName} ${DOCTOR.surname} (RPPS ${DOCTOR.idNat.slice(1)}); the PIN is answered for you.`,
    );
    say("  1. The tab 'Set up MSSanté' shows the bridge, the card and the identity read from it.");
    say(`     Click 'Create the MSSanté account': the account ${DOCTOR.address} is made from the card.`);
    say("  2. Write a message (Write button); in 'To' type part of a colleague's name, accents optional:");
    const tries = ["helene lefev", "ndiay", "roche"];
    COLLEAGUES.forEach((c, i) => {
      say(`       ${c.givenName} ${c.surname} (${c.specialty ?? c.profession}, ${c.city}) → try "${tries[i]}"`);
    });
    say('       (just "lefev" lists every Lefèvre of the directory)');
    say("  3. Add an address outside MSSanté (e.g. someone@example.com) and click Send: the guard stops the");
    say("     message and names that address. To a colleague only, the message is delivered (local Dovecot).");
    say("  The toolbar button 'MSSanté' shows the card's state.");
    say("");
    say("Press Ctrl-C here to stop everything.");

    // Closing Thunderbird also ends the demo.
    const pid = env.tb!.pid;
    await waitFor(
      "Thunderbird to exit",
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      365 * 24 * 3600 * 1000,
      1000,
    );
    say("Thunderbird was closed.");
    await teardown(0);
  } catch (e) {
    say(`The demo could not start: ${e instanceof Error ? e.message : String(e)}`);
    await teardown(1);
  }
}

void main();
