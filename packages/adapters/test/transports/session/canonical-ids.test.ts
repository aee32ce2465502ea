import { describe, expect, it } from "vitest";
import type { E164 } from "@relance/core";
import { CanonicalIds } from "../../../src/transports/session/canonical-ids.js";

const BRAZIL: E164 = "+5511987654321";
const ACCOUNT = "551187654321";

describe("canonical ids: the account a number check found, one rule for both drivers", () => {
  it.each(["s.whatsapp.net", "c.us"] as const)("keeps only the exceptions, and writes to the account found (%s)", (server) => {
    const ids = new CanonicalIds(server);
    expect(ids.idOf("+33611111111")).toBe(`33611111111@${server}`);
    // A check that found the number's own account changes nothing, in either spelling.
    expect(ids.learn("+33611111111", "33611111111@s.whatsapp.net")).toBe(false);
    expect(ids.learn("+33611111111", "33611111111:3@c.us")).toBe(false);
    expect(ids.toJSON()).toEqual({});

    expect(ids.learn(BRAZIL, `${ACCOUNT}@c.us`)).toBe(true);
    expect(ids.learn(BRAZIL, `${ACCOUNT}:2@s.whatsapp.net`)).toBe(false);
    expect(ids.idOf(BRAZIL)).toBe(`${ACCOUNT}@${server}`);
    expect(ids.toJSON()).toEqual({ [BRAZIL]: `${ACCOUNT}@${server}` });

    // A later check finding the number's own account drops the exception.
    expect(ids.learn(BRAZIL, `5511987654321@${server}`)).toBe(true);
    expect(ids.toJSON()).toEqual({});
  });

  it("hands a reply from an account to every number tied to it, and to the account's own number", () => {
    const ids = new CanonicalIds("c.us", { [BRAZIL]: `${ACCOUNT}@c.us` });
    expect(ids.phonesOf(`${ACCOUNT}@c.us`)).toEqual([BRAZIL, "+551187654321"]);
    expect(ids.phonesOf(`${ACCOUNT}:7@s.whatsapp.net`)).toEqual([BRAZIL, "+551187654321"]);
    expect(ids.phonesOf("33611111111@c.us")).toEqual(["+33611111111"]);
    expect(ids.phonesOf("1203630@g.us")).toEqual([]);
    expect(ids.phonesOf("5550001@lid")).toEqual([]);
  });

  it("forgets a number (erasure), and reloads what it stored", () => {
    const ids = new CanonicalIds("s.whatsapp.net", { [BRAZIL]: `${ACCOUNT}@c.us` });
    expect(ids.has(BRAZIL)).toBe(true);
    expect(new CanonicalIds("s.whatsapp.net", ids.toJSON()).idOf(BRAZIL)).toBe(`${ACCOUNT}@s.whatsapp.net`);
    expect(ids.forget(BRAZIL)).toBe(true);
    expect(ids.forget(BRAZIL)).toBe(false);
    expect(ids.phonesOf(`${ACCOUNT}@c.us`)).toEqual(["+551187654321"]);
  });
});
