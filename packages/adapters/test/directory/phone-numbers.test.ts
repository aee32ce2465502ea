import { describe, expect, it } from "vitest";
import { isPhoneCountry, readMobileNumber } from "../../src/directory/phone-numbers.js";

const phoneOf = (raw: string, region = {}) => {
  const reading = readMobileNumber(raw, region);
  return reading.ok ? reading.phone : null;
};

describe("readMobileNumber: numbers as people write them", () => {
  it("reads national formats in the default country", () => {
    for (const written of ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "06-12-34-56-78", " 06 12 34 56 78 "]) {
      expect(phoneOf(written, { defaultCountry: "FR" }), written).toBe("+33612345678");
    }
    expect(phoneOf("07911 123456", { defaultCountry: "GB" })).toBe("+447911123456");
    expect(phoneOf("77 123 45 67", { defaultCountry: "SN" })).toBe("+221771234567");
  });

  it("reads a national number in the referrer's own country before the default one", () => {
    expect(phoneOf("07911 123456", { referrerPhone: "+447700123456", defaultCountry: "FR" })).toBe("+447911123456");
    expect(phoneOf("77 123 45 67", { referrerPhone: "+221761234567", defaultCountry: "FR" })).toBe("+221771234567");
    // An unreadable referrer number falls back on the default country.
    expect(phoneOf("06 12 34 56 78", { referrerPhone: "+12", defaultCountry: "FR" })).toBe("+33612345678");
  });

  it("reads international forms whatever the region", () => {
    for (const written of ["+33612345678", "+33 6 12 34 56 78", "+33 (0)6 12 34 56 78", "0033 6 12 34 56 78"]) {
      expect(phoneOf(written), written).toBe("+33612345678");
    }
    expect(phoneOf("+1 (415) 555-2671")).toBe("+14155552671");
  });

  it("refuses a national number with no country to read it in, saying how to fix it", () => {
    const reading = readMobileNumber("06 12 34 56 78");
    expect(reading).toEqual({ ok: false, problem: "no_country", reason: expect.stringMatching(/national number.*country code/) });
  });

  it("refuses non-mobile and impossible numbers with the reason", () => {
    const cases: Array<[string, RegExp]> = [
      ["01 42 68 53 00", /landline/],
      ["0800 123 456", /toll-free/],
      ["09 12 34 56 78", /VoIP/],
      ["123", /not a possible/],
      ["+33 6 12", /not a possible/],
      ["+1 555 123 4567", /not a valid number/],
      ["hello", /not a phone number/],
      ["06abc", /not a phone number/],
      ["tel:+33612345678", /not a phone number/],
      ["", /not a phone number/],
      ["0".repeat(41), /not a phone number/],
    ];
    for (const [written, reason] of cases) {
      const reading = readMobileNumber(written, { defaultCountry: "FR" });
      expect(reading.ok, written).toBe(false);
      if (!reading.ok) expect(reading.reason, written).toMatch(reason);
    }
  });

  it("knows the countries a default may name", () => {
    expect(isPhoneCountry("FR")).toBe(true);
    expect(isPhoneCountry("SN")).toBe(true);
    expect(isPhoneCountry("fr")).toBe(false);
    expect(isPhoneCountry("XX")).toBe(false);
  });
});
