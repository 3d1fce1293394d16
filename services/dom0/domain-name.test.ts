import { describe, expect, it } from "vitest";
import { ToolstackError } from "./errors.js";
import { DOMAIN_NAME_LENGTH_MAX, checkDomainName, domainNameProblem } from "./domain-name.js";

describe("domain names as libxl accepts them", () => {
  it.each([
    "web",
    "db-1",
    "web.example",
    "a b",
    "ünï",
    "x".repeat(DOMAIN_NAME_LENGTH_MAX),
    "-incoming",
    "7up",
    "42-db",
  ])("accepts %j", (name) => expect(domainNameProblem(name)).toBeUndefined());

  it.each([
    ["", "must not be empty"],
    [".", 'must not be "."'],
    ["..", 'must not be ".."'],
    ["a/b", "must not contain '/'"],
    ["a\nb", "control characters (found U+000A)"],
    ["tab\there", "U+0009"],
    ["del\u007f", "U+007F"],
    ["web--incoming", 'must not end in "--incoming"'],
    ["7", "must not be all digits"],
    ["0042", "must not be all digits"],
    ["web--migratedaway", 'must not end in "--migratedaway"'],
    ["x".repeat(DOMAIN_NAME_LENGTH_MAX + 1), `at most ${DOMAIN_NAME_LENGTH_MAX}`],
  ])("refuses %j", (name, problem) => {
    expect(domainNameProblem(name)).toContain(problem);
  });

  it("refuses with INVALID_ARGUMENT naming the field and the name", () => {
    let caught: unknown;
    try {
      checkDomainName("a/b", "rename: new name");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ToolstackError);
    expect((caught as ToolstackError).code).toBe("INVALID_ARGUMENT");
    expect((caught as ToolstackError).message).toBe(`rename: new name "a/b" must not contain '/'`);
  });
});
