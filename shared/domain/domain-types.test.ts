/**
 * The domain types are the protocol schemas' static types (one source of truth): these checks run
 * at type-check time (`npm run typecheck`); at run time they only check that the unions the
 * schemas accept are the ones the types name.
 */
import { Value } from "@sinclair/typebox/value";
import { describe, expectTypeOf, it, expect } from "vitest";
import type { CardLayerState, CardUnavailableReason } from "./card.ts";
import type { CardIdentity, CardIdentityMessage, IdType, PinState } from "./identity.ts";
import type { Discovery, DiscoveryMessage, Front, TrustVerdict } from "./trust.ts";
import type { MailboxType } from "./directory-entry.ts";
import { Methods, Notifications, PinStatusSchema, type NotificationParams, type Result } from "../protocol/schemas.ts";

describe("domain types derived from the protocol schemas", () => {
  it("keeps string unions precise (no widening to string)", () => {
    expectTypeOf<PinState>().toEqualTypeOf<"ok" | "count-low" | "final-try" | "locked" | "to-be-changed" | "not-initialized">();
    expectTypeOf<CardUnavailableReason>().toEqualTypeOf<
      "pcsc-unavailable" | "no-reader" | "no-card" | "unknown-card" | "module-unavailable"
    >();
    expectTypeOf<NotificationParams<"card.changed">["event"]>().toEqualTypeOf<
      "inserted" | "removed" | "reader-added" | "reader-removed" | "pcsc-down" | "pcsc-up"
    >();
    expectTypeOf<NotificationParams<"directory.importProgress">["phase"]>().toEqualTypeOf<
      "download" | "parse" | "index" | "done" | "failed"
    >();
    expectTypeOf<TrustVerdict>().toEqualTypeOf<"trusted" | "untrusted" | "unknown">();
    expectTypeOf<Front>().toEqualTypeOf<"psc" | "certificate">();
    expectTypeOf<MailboxType>().toEqualTypeOf<"PER" | "ORG" | "APP" | "CAB">();
    for (const state of ["ok", "count-low", "final-try", "locked", "to-be-changed", "not-initialized"] satisfies PinState[]) {
      expect(Value.Check(PinStatusSchema, { state, pinPad: false })).toBe(true);
    }
    expect(Value.Check(PinStatusSchema, { state: "other", pinPad: false })).toBe(false);
  });

  it("are what the methods answer", () => {
    expectTypeOf<Result<"card.getState">>().toEqualTypeOf<CardLayerState>();
    expectTypeOf<Result<"card.getIdentity">>().toEqualTypeOf<CardIdentityMessage>();
    expectTypeOf<Result<"discovery.discover">>().toEqualTypeOf<DiscoveryMessage>();
    expect(Object.keys(Methods)).toContain("card.getIdentity");
    expect(Object.keys(Notifications)).toContain("card.changed");
  });

  it("narrows only where the bridge knows more than the wire promises", () => {
    // idType: a string on the wire (a newer bridge may add a register), IdType from this bridge.
    expectTypeOf<CardIdentityMessage["idType"]>().toEqualTypeOf<string>();
    expectTypeOf<CardIdentity["idType"]>().toEqualTypeOf<IdType>();
    expectTypeOf<CardIdentity>().toMatchTypeOf<CardIdentityMessage>();
    // cardLogin: optional on the wire (older bridges), always sent by this one.
    expectTypeOf<Discovery["cardLogin"]>().toEqualTypeOf<NonNullable<DiscoveryMessage["cardLogin"]>>();
  });
});
