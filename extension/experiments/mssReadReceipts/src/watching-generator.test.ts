import { describe, expect, it } from "vitest";
import type { ReadReceiptAnswer } from "./api.ts";
import { watchingGenerator, type MdnGenerator, type MessageReader } from "./watching-generator.ts";

const FACTS = { accountId: "account2", messageId: "m1@mssante.test", to: "helene@mssante.test" };

/** A generator that behaves as Thunderbird's: asks, or (auto) marks the message answered itself. */
function generator(opts: { ask: boolean; marks?: boolean; throws?: boolean }, flags: { answered: boolean }) {
  const calls: string[] = [];
  const inner: MdnGenerator = {
    process(type, _w, _f, key, _h, auto) {
      calls.push(`process:${type}:${key}:${auto}`);
      if (opts.throws) throw new Error("NS_ERROR_INVALID_ARG");
      if (opts.marks) flags.answered = true;
      return opts.ask;
    },
    userAgreed() {
      calls.push("agreed");
      flags.answered = true;
    },
    userDeclined() {
      calls.push("declined");
      flags.answered = true;
    },
  };
  return { inner, calls };
}

function reader(flags: { answered: boolean }, broken = false): MessageReader {
  return {
    answered: () => {
      if (broken) throw new Error("no header");
      return flags.answered;
    },
    facts: () => {
      if (broken) throw new Error("no header");
      return FACTS;
    },
  };
}

describe("watchingGenerator: Thunderbird's MDN generator, watched", () => {
  it("asked, the GP sends the receipt: every call passed on, one answer 'sent', not automatic", () => {
    const flags = { answered: false };
    const { inner, calls } = generator({ ask: true }, flags);
    const answers: ReadReceiptAnswer[] = [];
    const g = watchingGenerator(inner, reader(flags), (a) => answers.push(a));
    expect(g.process(0, {}, {}, 7, {}, false)).toBe(true);
    expect(answers).toEqual([]);
    g.userAgreed();
    expect(calls).toEqual(["process:0:7:false", "agreed"]);
    expect(answers).toEqual([{ ...FACTS, outcome: "sent", automatic: false }]);
  });

  it("asked, the GP ignores the request: one answer 'declined'", () => {
    const flags = { answered: false };
    const { inner, calls } = generator({ ask: true }, flags);
    const answers: ReadReceiptAnswer[] = [];
    const g = watchingGenerator(inner, reader(flags), (a) => answers.push(a));
    g.process(0, {}, {}, 7, {}, false);
    g.userDeclined();
    expect(calls).toEqual(["process:0:7:false", "declined"]);
    expect(answers).toEqual([{ ...FACTS, outcome: "declined", automatic: false }]);
  });

  it("not asked and the message marked answered by the call (settings send it): 'sent', automatic", () => {
    const flags = { answered: false };
    const { inner } = generator({ ask: false, marks: true }, flags);
    const answers: ReadReceiptAnswer[] = [];
    const g = watchingGenerator(inner, reader(flags), (a) => answers.push(a));
    expect(g.process(0, {}, {}, 7, {}, false)).toBe(false);
    expect(answers).toEqual([{ ...FACTS, outcome: "sent", automatic: true }]);
  });

  it("not asked and nothing sent (receipts off, or already answered before): no answer", () => {
    const off = { answered: false };
    const a1: ReadReceiptAnswer[] = [];
    watchingGenerator(generator({ ask: false }, off).inner, reader(off), (a) => a1.push(a)).process(0, {}, {}, 7, {}, false);
    const before = { answered: true };
    const a2: ReadReceiptAnswer[] = [];
    watchingGenerator(generator({ ask: false, marks: true }, before).inner, reader(before), (a) => a2.push(a)).process(
      0,
      {},
      {},
      7,
      {},
      false,
    );
    expect([a1, a2]).toEqual([[], []]);
  });

  it("the original's errors pass unchanged; a reader or a listener that fails changes nothing", () => {
    const flags = { answered: false };
    const throwing = watchingGenerator(generator({ ask: true, throws: true }, flags).inner, reader(flags), () => undefined);
    expect(() => throwing.process(0, {}, {}, 7, {}, false)).toThrow("NS_ERROR_INVALID_ARG");

    const { inner, calls } = generator({ ask: true }, flags);
    const broken = watchingGenerator(inner, reader(flags, true), () => undefined);
    expect(broken.process(0, {}, {}, 7, {}, false)).toBe(true);
    expect(() => broken.userAgreed()).not.toThrow();
    const failingListener = watchingGenerator(inner, reader(flags), () => {
      throw new Error("listener");
    });
    failingListener.process(0, {}, {}, 8, {}, false);
    expect(() => failingListener.userDeclined()).not.toThrow();
    expect(calls).toEqual(["process:0:7:false", "agreed", "process:0:8:false", "declined"]);
  });

  it("a userAgreed without a process before (not how Thunderbird calls it): passed on, nothing reported", () => {
    const flags = { answered: false };
    const { inner, calls } = generator({ ask: true }, flags);
    const answers: ReadReceiptAnswer[] = [];
    watchingGenerator(inner, reader(flags), (a) => answers.push(a)).userAgreed();
    expect(calls).toEqual(["agreed"]);
    expect(answers).toEqual([]);
  });
});
