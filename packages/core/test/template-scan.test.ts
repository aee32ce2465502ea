import { describe, expect, it } from "vitest";
import { MAX_TEMPLATE_LANGUAGES, renderTemplate, templateIssues, templateVariables, validateMessage } from "../src/index.js";

// Security review 2, M3: `{{` followed by kilobytes of whitespace and no `}}` took the old
// placeholder regex 39 s (cubic backtracking) and froze every request. These inputs are 1.5x larger
// than the one that took 3 s over HTTP: the old regex needs ~15 s on each, past the test timeout.
describe("placeholder scan on hostile templates (M3)", () => {
  const open = "{{" + " ".repeat(3_000);

  it("reports an unclosed placeholder followed by a long run of whitespace as malformed", () => {
    expect(templateIssues(open, "t")).toEqual([{ path: "t", message: expect.stringMatching(/malformed/) }]);
    expect(templateIssues("{{" + " \t".repeat(1_500), "t")[0]!.message).toMatch(/malformed/);
    expect(templateVariables(open)).toEqual([]);
  });

  it("renders such a template unchanged", () => {
    expect(renderTemplate(open, { name: "A" })).toBe(open);
    expect(renderTemplate("{{ name }}" + open, { name: "A" })).toBe("A" + open);
  });

  it("keeps the placeholder rules: spaces trimmed, braces inside refused", () => {
    expect(templateVariables("{{\n name \t}} {{ {x}} }} {{day}}")).toEqual(["name", "day"]);
    expect(templateIssues("{{ {x}} }}", "t")[0]!.message).toMatch(/malformed/);
    expect(renderTemplate("{{{name}}}", { name: "A" })).toBe("{A}");
  });
});

describe("languages per message (M3)", () => {
  it(`refuses more than ${MAX_TEMPLATE_LANGUAGES} template languages in one message or variant`, () => {
    const many = Object.fromEntries(["fr", "en", "de", "es", "it", "pt", "nl", "pl", "ro", "sv", "da"].map((code) => [code, "Bonjour"]));
    expect(Object.keys(many).length).toBe(MAX_TEMPLATE_LANGUAGES + 1);
    expect(() => validateMessage({ dayNumber: 1, messageTemplate: many }, "fr")).toThrow(
      expect.objectContaining({ details: expect.arrayContaining([expect.objectContaining({ path: "messageTemplate" })]) }),
    );
    expect(() =>
      validateMessage({ dayNumber: 1, messageTemplate: { fr: "x" }, variants: [{ key: "b", messageTemplate: many }] }, "fr"),
    ).toThrow(expect.objectContaining({ details: expect.arrayContaining([expect.objectContaining({ path: "variants.0.messageTemplate" })]) }));
  });
});
