/**
 * The one-click setup as the e2e tests drive it: the setup page ready (card read, PIN state ok,
 * the create button shown), then the click and the outcome the page shows. Shared by the tests
 * that provision the doctor's account before what they test.
 */
import type { E2EEnv } from "../../harness/e2e-env.ts";
import type { Driver } from "../../harness/thunderbird.ts";
import { click, openSetupPage, SETUP_PAGE, singleSetupTab, type Snapshot, waitForPage } from "../ui-session.ts";

/** Keeps one setup tab and waits until it can create the account. */
export async function setupPageReady(driver: Driver, timeoutMs?: number): Promise<Snapshot> {
  await singleSetupTab(driver);
  return await waitForPage(
    driver,
    SETUP_PAGE,
    ["#state-pin", "#create"],
    (p) => p.elements["#state-pin"]?.dataset?.state === "ok" && !!p.elements["#create"]?.visible,
    "the setup page ready",
    timeoutMs,
  );
}

/** Opens the setup page, clicks « create » once ready, and returns the page with its outcome (#result) shown. */
export async function provisionInOneClick(env: E2EEnv): Promise<Snapshot> {
  const driver = env.tb!.driver;
  await openSetupPage(env);
  await setupPageReady(driver, 60_000);
  await click(driver, SETUP_PAGE, "#create");
  return await waitForPage(driver, SETUP_PAGE, ["#result"], (p) => !!p.elements["#result"]?.visible, "the setup outcome", 120_000);
}
