/**
 * The card's PKCS#11 library already loaded in Thunderbird under another name (an administrator
 * preloaded Cryptolib CPS as "CPS" with policies or modutil; here SoftHSM's library, registered in
 * the profile with modutil through a symbolic link before Thunderbird starts). One click: the
 * setup says the module is already there under that name instead of "done", does not load the
 * library a second time (NSS would see the card twice), and logs in with the card through it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingComponents } from "../harness/require-component.ts";
import { E2E_COMPONENTS, startE2EEnv, type E2EEnv } from "../harness/e2e-env.ts";
import { pageClick, waitForPage } from "./support/pages.ts";

const reason = missingComponents("e2e card module preloaded under another name", E2E_COMPONENTS);
const SETUP = "pages/setup/setup.html";
const PRELOADED = "CPS préchargée";

describe.skipIf(reason)("the card's library already loaded in Thunderbird under another name", () => {
  const started = Date.now();
  let env: E2EEnv;

  beforeAll(async () => {
    env = await startE2EEnv({ preloadCardModuleAs: PRELOADED, thunderbirdOptions: { prefs: { "intl.locale.requested": "fr" } } });
  });
  afterAll(async () => {
    await env?.stop();
    console.log(`[e2e] preloaded module suite wall time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  /** The modules NSS has in this profile, with their libraries resolved. */
  async function modules(): Promise<{ name: string; libName: string; real: string | null }[]> {
    return await env.tb!.driver.chrome(`
      const db = Components.classes["@mozilla.org/security/pkcs11moduledb;1"].getService(Components.interfaces.nsIPKCS11ModuleDB);
      const out = [];
      for (const m of Array.from(await db.listModules())) {
        let real = null;
        try {
          const f = Components.classes["@mozilla.org/file/local;1"].createInstance(Components.interfaces.nsIFile);
          f.initWithPath(m.libName);
          f.normalize();
          real = f.path;
        } catch {}
        out.push({ name: m.name, libName: m.libName || "", real });
      }
      return out;`);
  }

  it("one click: says the module is already loaded under that name, loads it no second time, logs in through it", async () => {
    const driver = env.tb!.driver;
    const before = await modules();
    const cardLib = before.find((m) => m.name === PRELOADED);
    expect(cardLib, JSON.stringify(before)).toBeDefined();
    expect(cardLib!.libName).not.toBe(env.token.modulePath); // another path (a symbolic link) to the same file

    await waitForPage(
      driver,
      SETUP,
      ["#create"],
      (s) => !!s.elements["#create"]?.visible && s.elements["#create"]?.disabled === false,
      "the setup page to offer account creation",
      60_000,
    );
    await pageClick(driver, SETUP, "#create");
    const step = '#steps li[data-step="module"]';
    const out = await waitForPage(
      driver,
      SETUP,
      ["#result", "#result-title", "#result-text", step],
      (s) => !!s.elements["#result"]?.visible,
      "the setup outcome",
      90_000,
    );
    const why = `${JSON.stringify(out.elements)}\n${env.tb!.output().slice(-2000)}`;
    expect(out.elements["#result"]?.dataset?.outcome, why).toBe("success");
    // Said instead of "done", in French, with the name the module has in Thunderbird.
    expect(out.elements[step]?.text, why).toBe(
      `Le module de la carte est déjà chargé dans Thunderbird sous le nom « ${PRELOADED} » : il est utilisé tel quel (il n'est pas chargé une deuxième fois).`,
    );
    expect(out.elements[step]?.dataset?.state).toBe("done");

    // One NSS module on the card's library, the preloaded one: the extension's was not added.
    const after = await modules();
    const onCardLib = after.filter((m) => m.real !== null && m.real === cardLib!.real);
    expect(
      onCardLib.map((m) => m.name),
      JSON.stringify(after),
    ).toEqual([PRELOADED]);
    expect(after.map((m) => m.name)).toEqual(before.map((m) => m.name));
  });
});
