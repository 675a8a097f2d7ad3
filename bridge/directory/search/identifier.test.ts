import { describe, expect, it } from "vitest";
import { identifierKeys } from "./identifier.ts";

describe("identifierKeys", () => {
  it.each([
    ["10001234567", ["810001234567", "10001234567"]], // an RPPS alone
    [" 100 0123 4567 ", ["810001234567", "10001234567"]], // typed in groups
    ["810001234567", ["810001234567"]], // an idNat (RPPS)
    ["610001234567", ["610001234567"]], // an RPPS practice
    ["751234567", ["0751234567", "751234567"]], // an ADELI alone
    ["2a1234567", ["02A1234567", "2A1234567"]], // a Corsican ADELI, any case
    ["0751234567", ["0751234567"]], // an idNat (ADELI)
    ["3750000001/0042", ["3750000001/0042"]], // a staff card's idNat
    ["512345678900012", ["512345678900012"]], // SIRET-based, 15 characters
    ["12345678", ["12345678"]],
  ])("%s → %j", (q, keys) => {
    expect(identifierKeys(q)).toEqual(keys);
  });

  it.each([
    ["", "empty"],
    ["dupont", "a name"],
    ["69003", "a postal code"],
    ["1234567", "too short"],
    ["1234567890123456", "too long"],
    ["2ABCDEFGH", "too many letters"],
    ["dupont 10001234567", "several words"],
    ["a10001234567", "no register digit first"],
    ["10001234567@x.fr", "an address"],
    ["100 01 abc 4567", "letters and spaces"],
  ])("%s (%s) is no identifier", (q) => {
    expect(identifierKeys(q)).toEqual([]);
  });
});
