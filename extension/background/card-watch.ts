/**
 * Follows the card: on connection and on every card.changed notification, refreshes the card state,
 * identity and PIN state in the status, and pauses mail checks of the provisioned MSSanté accounts
 * while the card is out (so Thunderbird neither asks for a PIN nor floods login errors), resuming
 * them when it returns. Accounts are in storage.local "mss.accounts" (written by the setup page).
 * A failed identity or PIN read (two cards, an unknown card, no card module, a card that does not
 * answer…) is the status's cardProblem, by error code, until a later read works or the card goes.
 */
import { CARD_CALL_TIMEOUT_MS } from "../../shared/constants.ts";
import type { NotificationParams } from "../../shared/protocol/schemas.ts";
import type { BridgeCaller } from "./bridge-caller.ts";
import { errorCodeOf, type ClientErrorCode } from "./client-error.ts";
import { KNOWN_ACCOUNTS_KEY } from "./compose-guard.ts";
import { log } from "./log.ts";
import type { Messenger } from "./messenger-types.ts";
import { cardPresent, type CardProblem, type ExtensionStatus } from "./status.ts";

/**
 * Failures of the connection or the session, not of the card: the bridge's state shows them (and
 * a reconnection reads the card again), so they neither set nor clear the card's problem.
 */
const NOT_THE_CARD = new Set<ClientErrorCode>([
  "NOT_CONNECTED",
  "CONNECTION_CLOSED",
  "NOT_THE_BRIDGE",
  "NATIVE_UNAVAILABLE",
  "NOT_AUTHENTICATED",
  "AUTHENTICATION_FAILED",
  "NOT_PAIRED",
  "PAIRING_FAILED",
  "UNSUPPORTED_VERSION",
  "RATE_LIMITED",
  "BUSY",
]);

type Read<T> = { ok: true; value: T } | { ok: false; code: ClientErrorCode };

/** What the card reads say about the card: a problem (the first read's, by code), none, or nothing new. */
function cardProblemOf(reads: Read<unknown>[]): CardProblem | null | undefined {
  const failed = reads.filter((r): r is { ok: false; code: ClientErrorCode } => !r.ok);
  const card = failed.find((r) => !NOT_THE_CARD.has(r.code));
  if (card) return { code: card.code };
  return failed.length ? undefined : null;
}

const settle = <T>(p: Promise<T>): Promise<Read<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (e: unknown) => ({ ok: false as const, code: errorCodeOf(e) }),
  );

export interface ProvisionedAccount {
  accountId: string;
  email: string;
  imapHost: string;
  smtpHost: string;
  provisionedAt: string;
}

export async function provisionedAccounts(m: Messenger): Promise<ProvisionedAccount[]> {
  const v = (await m.storage.local.get(KNOWN_ACCOUNTS_KEY))[KNOWN_ACCOUNTS_KEY];
  if (!Array.isArray(v)) return [];
  return v.filter((a): a is ProvisionedAccount => !!a && typeof a === "object" && typeof (a as ProvisionedAccount).accountId === "string");
}

export async function rememberAccount(m: Messenger, a: ProvisionedAccount): Promise<void> {
  const all = (await provisionedAccounts(m)).filter((x) => x.accountId !== a.accountId && x.email !== a.email);
  all.push(a);
  await m.storage.local.set({ [KNOWN_ACCOUNTS_KEY]: all });
}

export class CardWatch {
  /**
   * Card states are numbered as they arrive; work for an older one that finishes after a newer one
   * arrived (slow card reads after an insert, then a quick removal) is dropped, never applied.
   */
  private generation = 0;
  /** Pause/resume runs one at a time, in the order the card states arrived. */
  private checksQueue: Promise<void> = Promise.resolve();

  constructor(
    private readonly m: Messenger,
    private readonly bridge: BridgeCaller,
    private readonly update: (patch: Partial<ExtensionStatus>) => void,
    private readonly current: () => ExtensionStatus,
  ) {}

  /** Full refresh (after connecting). */
  async refresh(): Promise<void> {
    try {
      const card = await this.bridge.call("card.getState", {}, 5000);
      // Numbered on arrival: replies and notifications share one connection, in the bridge's order.
      const gen = ++this.generation;
      this.update({ card });
      await this.afterCardState(gen);
    } catch (e) {
      log("card.refresh-failed", { message: e instanceof Error ? e.message : "error" });
    }
  }

  async onCardChanged(n: NotificationParams<"card.changed">): Promise<void> {
    log("card.changed", { event: n.event });
    const gen = ++this.generation;
    this.update({ card: n.state });
    await this.afterCardState(gen);
  }

  private async afterCardState(gen: number): Promise<void> {
    const present = cardPresent(this.current().card);
    if (present) {
      const reads = await Promise.all([
        settle(this.bridge.call("card.getIdentity", {}, CARD_CALL_TIMEOUT_MS)),
        settle(this.bridge.call("card.getPinStatus", {}, CARD_CALL_TIMEOUT_MS)),
      ] as const);
      if (gen !== this.generation) return; // the card changed while we read it: the newer state decides
      const [idRead, pinRead] = reads;
      const identity = idRead.ok ? idRead.value : null;
      const pin = pinRead.ok ? pinRead.value : null;
      const cardProblem = cardProblemOf(reads);
      if (cardProblem) log("card.read-failed", { code: cardProblem.code }); // the code only: never the card's data
      this.update({
        ...(cardProblem === undefined ? {} : { cardProblem }),
        identity: identity
          ? {
              surname: identity.surname,
              givenName: identity.givenName,
              profession: identity.profession,
              idNat: identity.idNat,
              idType: identity.idType,
              idNumber: identity.idNumber,
              kind: identity.kind,
              structure: identity.structure,
              notAfter: identity.notAfter,
            }
          : null,
        pin,
      });
    } else {
      this.update({ identity: null, pin: null, cardProblem: null });
    }
    await this.queueChecks(gen, !present);
  }

  /** Applies pause/resume after those queued before it, unless a newer card state has come since. */
  private queueChecks(gen: number, paused: boolean): Promise<void> {
    const run = this.checksQueue.then(() => (gen === this.generation ? this.applyChecks(paused) : undefined));
    this.checksQueue = run.catch(() => undefined);
    return run;
  }

  /** Pauses or resumes checks of every provisioned account; idempotent. */
  async applyChecks(paused: boolean): Promise<void> {
    const accounts = await provisionedAccounts(this.m);
    let allOk = true;
    for (const a of accounts) {
      const r = await this.m.mssAccounts.pauseChecks(a.accountId, paused).catch((e: unknown) => ({
        ok: false as const,
        code: "EXPERIMENT_UNAVAILABLE",
        message: e instanceof Error ? e.message : String(e),
      }));
      if (!r.ok) {
        allOk = false;
        log("checks.pause-failed", { code: r.code });
      }
    }
    if (accounts.length) log(paused ? "checks.paused" : "checks.resumed", { accounts: accounts.length, ok: allOk });
    this.update({ checksPaused: paused && accounts.length > 0 });
  }
}
