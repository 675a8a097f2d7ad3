import { describe, expect, it } from "vitest";
import { parseApplicationIni, parseVersionOutput, supportedMajors } from "./thunderbird-version.ts";

const INI = (version: string, repo: string) =>
  `; This file is not used.\n\n[App]\nVendor=Mozilla\nName=Thunderbird\nVersion=${version}\nSourceRepository=${repo}\n\n[Gecko]\nMinVersion=${version}\n`;

describe("Thunderbird's version", () => {
  it("from `thunderbird --version`: ESR when the version says so", () => {
    expect(parseVersionOutput("Mozilla Thunderbird 153.8.0esr\n")).toEqual({ version: "153.8.0esr", major: 153, esr: true });
    expect(parseVersionOutput("Mozilla Thunderbird 156.0\n")).toEqual({ version: "156.0", major: 156, esr: false });
    expect(parseVersionOutput("Mozilla Thunderbird 157.0b2")).toEqual({ version: "157.0b2", major: 157, esr: false });
  });
  it("anything else is no version", () => {
    expect(parseVersionOutput("Mozilla Firefox 140.0esr")).toBeNull();
    expect(parseVersionOutput("")).toBeNull();
    expect(parseVersionOutput("Thunderbird ???")).toBeNull();
  });
  it("from application.ini: ESR from the comm-esr repository (its Version has no esr)", () => {
    expect(parseApplicationIni(INI("153.8.0", "https://hg.mozilla.org/releases/comm-esr153"))).toEqual({
      version: "153.8.0",
      major: 153,
      esr: true,
    });
    expect(parseApplicationIni(INI("156.0", "https://hg.mozilla.org/releases/comm-release"))).toMatchObject({ esr: false });
    expect(parseApplicationIni(INI("153.8.0", "x").replace("Name=Thunderbird", "Name=Firefox"))).toBeNull();
    expect(parseApplicationIni("[Gecko]\nName=Thunderbird\nVersion=153.0\n")).toBeNull(); // not in [App]
  });
  it("manifest.json's strict versions as majors", () => {
    expect(supportedMajors("153.0", "158.*")).toEqual({ min: 153, max: 158 });
  });
});
