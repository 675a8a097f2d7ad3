import { describe, expect, it } from "vitest";
import { subjectWithoutXdmPrefix } from "./xdm-subject.ts";

describe("subjectWithoutXdmPrefix", () => {
  it("removes the IHE XDM prefix only at the start", () => {
    expect(subjectWithoutXdmPrefix("XDM/1.0/DDM+Compte rendu de biologie")).toBe("Compte rendu de biologie");
    expect(subjectWithoutXdmPrefix("xdm/1.0/ddm+ CR")).toBe("CR");
    expect(subjectWithoutXdmPrefix("Re: XDM/1.0/DDM+CR")).toBe("Re: XDM/1.0/DDM+CR");
    expect(subjectWithoutXdmPrefix(null)).toBe("");
  });
});
