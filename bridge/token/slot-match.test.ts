import { describe, expect, it } from "vitest";
import { pickCardSlot, slotMatch, slotsOfReader, trimPkcs11, type SlotNames } from "./slot-match.ts";

/** A CK_SLOT_INFO as pkcs11js gives it: fields blank-padded to their size. */
const slot = (description: string, manufacturer = "Generic"): SlotNames => ({
  description: description.padEnd(64, " "),
  manufacturer: manufacturer.padEnd(32, " "),
});

const READER_A = "Gemalto PC Twin Reader (645D94C3) 00 00";
const READER_B = "Gemalto PC Twin Reader (645D94C3) 01 00";

describe("trimPkcs11", () => {
  it("drops trailing blanks and NULs only", () => {
    expect(trimPkcs11("  CPS reader   ")).toBe("  CPS reader");
    expect(trimPkcs11("CPS\0\0\0")).toBe("CPS");
    expect(trimPkcs11("")).toBe("");
  });
});

describe("slotMatch", () => {
  it("exact: the padded description is the reader name", () => {
    expect(slotMatch(READER_A, slot(READER_A))).toBe("exact");
    expect(slotMatch(READER_A, { description: READER_A + "\0".repeat(10), manufacturer: "" })).toBe("exact");
  });

  it("loose: the description contains the reader name (prefix or around it)", () => {
    expect(slotMatch(READER_A, slot(`${READER_A} (PIN CPS)`))).toBe("loose");
    expect(slotMatch(READER_A, slot(`Lecteur ${READER_A}`))).toBe("loose");
    // manufacturerID: the whole name there counts; cut to its 32 bytes it would name no reader for sure.
    expect(slotMatch("ACS ACR38U 00 00", slot("Generic", "ACS ACR38U 00 00"))).toBe("exact");
    expect(slotMatch(READER_A, slot("Generic", READER_A.slice(0, 32)))).toBe(null);
  });

  it("loose: a reader name longer than the field, cut at 64 bytes", () => {
    const long = "Identiv uTrust 3700 F CL Reader [uTrust 3700 F CL Reader] (55041952301101) 00 00";
    expect(Buffer.byteLength(long)).toBeGreaterThan(64);
    expect(slotMatch(long, slot(Buffer.from(long).subarray(0, 64).toString()))).toBe("loose");
    // The cut lands on a space: the padding trims it away.
    const spaced = `${"x".repeat(63)} rest of the name`;
    expect(slotMatch(spaced, slot("x".repeat(63)))).toBe("loose");
    // A shorter description that is only a prefix does not match (another reader of the same model).
    expect(slotMatch(long, slot("Identiv uTrust 3700 F CL Reader"))).toBe(null);
  });

  it("another reader, or no name, is no match", () => {
    expect(slotMatch(READER_A, slot(READER_B))).toBe(null);
    expect(slotMatch(READER_A, slot("SoftHSM slot ID 0x2d8ab4f1", "SoftHSM project"))).toBe(null);
    expect(slotMatch("", slot(""))).toBe(null);
    expect(slotMatch("   ", slot(READER_A))).toBe(null);
  });
});

describe("slotsOfReader", () => {
  it("keeps the bound reader's slots (all of them: one card may show several)", () => {
    const slots = [slot(READER_B), slot(READER_A), slot(`${READER_A} (PIN signature)`), slot(READER_A)];
    expect(slotsOfReader(READER_A, slots)).toEqual([1, 3]); // exact matches win
    expect(slotsOfReader(READER_B, slots)).toEqual([0]);
    expect(slotsOfReader(READER_A, [slot(READER_B), slot(`${READER_A} (PIN CPS)`)])).toEqual([1]);
  });

  it("drops a loose match that fits another reader present too (names that differ after the cut)", () => {
    const contact = "Identiv uTrust 3700 F CL Reader [uTrust 3700 F CL Reader] (55041952301101) 00 00";
    const contactless = "Identiv uTrust 3700 F CL Reader [uTrust 3700 F CL Reader] (55041952301101) 01 00";
    const cut = Buffer.from(contact).subarray(0, 64).toString();
    expect(Buffer.from(contactless).subarray(0, 64).toString()).toBe(cut);
    const slots = [slot(cut), slot(cut)];
    expect(slotsOfReader(contact, slots)).toEqual([0, 1]); // alone, the cut name is this reader
    expect(slotsOfReader(contact, slots, [contact, contactless])).toEqual([]); // with both present, it is either
    // An exact match is not affected by the other readers.
    expect(slotsOfReader(READER_A, [slot(READER_A), slot(READER_B)], [READER_A, READER_B])).toEqual([0]);
    expect(slotsOfReader(READER_A, [slot(`${READER_A} (PIN CPS)`)], [READER_B])).toEqual([0]);
  });

  it("is empty when no slot names the reader (SoftHSM) or no reader is given", () => {
    const softhsm = [slot("SoftHSM slot ID 0x1"), slot("SoftHSM slot ID 0x2")];
    expect(slotsOfReader("Virtual PCD 00 00", softhsm)).toEqual([]);
    expect(slotsOfReader(null, [slot(READER_A)])).toEqual([]);
    expect(slotsOfReader(undefined, [slot(READER_A)])).toEqual([]);
  });
});

describe("pickCardSlot", () => {
  const certs =
    (...has: boolean[]) =>
    (i: number) =>
      has[i] ?? false;

  it("in the bound reader: the first slot with a certificate, else the first", () => {
    expect(pickCardSlot(3, true, certs(false, true, true))).toEqual({ kind: "slot", index: 1, hasCertificate: true });
    expect(pickCardSlot(2, true, certs(false, false))).toEqual({ kind: "slot", index: 0, hasCertificate: false });
  });

  it("in the bound reader: other tokens are not even looked at once one has a certificate", () => {
    const asked: number[] = [];
    pickCardSlot(3, true, (i) => {
      asked.push(i);
      return i === 0;
    });
    expect(asked).toEqual([0]);
  });

  it("no slot names the reader: the only token with a certificate, wherever it is", () => {
    expect(pickCardSlot(1, false, certs(true))).toEqual({ kind: "slot", index: 0, hasCertificate: true });
    expect(pickCardSlot(3, false, certs(false, true, false))).toEqual({ kind: "slot", index: 1, hasCertificate: true });
    expect(pickCardSlot(1, false, certs(false))).toEqual({ kind: "slot", index: 0, hasCertificate: false });
  });

  it("no slot names the reader and several tokens could be the card: several", () => {
    expect(pickCardSlot(2, false, certs(true, true))).toEqual({ kind: "several", count: 2 });
    expect(pickCardSlot(3, false, certs(true, false, true))).toEqual({ kind: "several", count: 2 });
    expect(pickCardSlot(2, false, certs(false, false))).toEqual({ kind: "several", count: 2 });
  });

  it("no token: none", () => {
    expect(pickCardSlot(0, true, certs())).toEqual({ kind: "none" });
    expect(pickCardSlot(0, false, certs())).toEqual({ kind: "none" });
  });
});
