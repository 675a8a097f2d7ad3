import { describe, expect, it } from "vitest";
import { DUPONT, entry } from "../../test-support/entries.ts";
import { displayNameCheck, nameWords } from "./display-name-check.ts";

const A = DUPONT.email;

describe("nameWords", () => {
  it("folds accents, case and punctuation", () => {
    expect(nameWords("Hélène LEFÈVRE-MOREAU")).toEqual(["helene", "lefevre", "moreau"]);
    expect(nameWords("  ")).toEqual([]);
    expect(nameWords(null)).toEqual([]);
  });
});

describe("displayNameCheck", () => {
  it("accepts the entry's own name in any order, case, with titles or an initial", () => {
    for (const n of [
      "Jean DUPONT",
      "DUPONT Jean",
      "Dr Dupont",
      "Dr. Jean Dupont",
      "Pr J. Dupont",
      "jean dupont",
      "DR DUPONT JEAN",
      "Docteur Dupont",
    ]) {
      expect(displayNameCheck(n, A, DUPONT), n).toBe("same");
    }
  });

  it("points out a display name naming someone else", () => {
    expect(displayNameCheck("Dr Martin", A, DUPONT)).toBe("different");
    expect(displayNameCheck("Jean Martin", A, DUPONT)).toBe("different");
    expect(displayNameCheck("Dr Jean", A, DUPONT)).toBe("different"); // no surname word
    expect(displayNameCheck("Dupont Paul", A, DUPONT)).toBe("different");
  });

  it("folds accents and compound surnames", () => {
    const helene = entry({
      email: "h.lefevre@x.mssante.fr",
      surname: "LEFÈVRE-MOREAU",
      givenName: "Hélène",
      displayName: "LEFÈVRE-MOREAU Hélène",
    });
    expect(displayNameCheck("Dr Helene Lefevre-Moreau", helene.email, helene)).toBe("same");
    expect(displayNameCheck("Hélène LEFEVRE", helene.email, helene)).toBe("same");
    expect(displayNameCheck("Hélène MARTIN", helene.email, helene)).toBe("different");
  });

  it("says nothing is claimed by an empty name, the address itself or titles only", () => {
    expect(displayNameCheck(null, A, DUPONT)).toBe("nothing-claimed");
    expect(displayNameCheck("", A, DUPONT)).toBe("nothing-claimed");
    expect(displayNameCheck(A, A, DUPONT)).toBe("nothing-claimed");
    expect(displayNameCheck("Dr", A, DUPONT)).toBe("nothing-claimed");
  });

  it("compares an organisation's mailbox with its name and organisation", () => {
    const lab = entry({ email: "labo@x.mssante.fr", displayName: "Laboratoire Bio Sud", organisation: "Bio Sud", type: "ORG" });
    expect(displayNameCheck("Laboratoire Bio Sud", lab.email, lab)).toBe("same");
    expect(displayNameCheck("Dr Martin", lab.email, lab)).toBe("different");
  });
});
