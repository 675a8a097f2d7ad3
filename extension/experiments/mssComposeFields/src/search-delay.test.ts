import { describe, expect, it } from "vitest";
import { ldapAutocompleteInUse } from "./search-delay.ts";

describe("ldapAutocompleteInUse", () => {
  it("no LDAP directory for autocomplete: false; the global pref or an identity's own directory: true", () => {
    expect(ldapAutocompleteInUse({ useDirectory: false, identities: [] })).toBe(false);
    expect(ldapAutocompleteInUse({ useDirectory: false, identities: [{ overrideGlobal: true, directoryServer: "" }] })).toBe(false);
    expect(
      ldapAutocompleteInUse({ useDirectory: false, identities: [{ overrideGlobal: false, directoryServer: "ldap_2.servers.h" }] }),
    ).toBe(false);
    expect(ldapAutocompleteInUse({ useDirectory: true, identities: [] })).toBe(true);
    expect(
      ldapAutocompleteInUse({ useDirectory: false, identities: [{ overrideGlobal: true, directoryServer: "ldap_2.servers.h" }] }),
    ).toBe(true);
  });
});
