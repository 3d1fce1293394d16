import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { format } from "prettier";
import { buildProgram } from "./main.js";
import { bashCompletion, cliReferenceMarkdown } from "./cli-reference.js";

const silent = { out: () => undefined, err: () => undefined };
const REFERENCE = new URL("../../docs/cli-reference.md", import.meta.url);

describe("the CLI reference and completion, from the command definitions", () => {
  it("docs/cli-reference.md is up to date (npm run docs:cli rewrites it)", async () => {
    const generated = await format(cliReferenceMarkdown(buildProgram(silent)), { parser: "markdown" });
    expect(readFileSync(REFERENCE, "utf8")).toBe(generated);
  });

  it("documents every verb with its usage and options", () => {
    const text = cliReferenceMarkdown(buildProgram(silent));
    for (const verb of ["create", "list", "mem-set", "migrate", "top", "host-evacuate", "completion"])
      expect(text).toContain(`### ${verb}\n`);
    expect(text).toContain("- `--downtime-limit <ms>`: qemu policy: downtime limit in ms");
  });

  it("completes verbs, then a verb's own options", () => {
    const script = bashCompletion(buildProgram(silent));
    expect(script).toMatch(/compgen -W "create list info [^"]*-H --host/);
    expect(script).toContain(
      '    migrate) opts="--policy --no-live --bandwidth --downtime-limit --auto-converge -p --json" ;;',
    );
    expect(script).toContain("complete -F _xsim xsim");
  });
});
