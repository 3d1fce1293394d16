import { describe, expect, it } from "vitest";
import { expandVerbPrefix } from "./verb-prefix.js";

const VERBS = ["list", "mem-max", "mem-set", "vcpu-list", "vcpu-pin", "vcpu-set", "cd-insert", "block-list"];
const WITH_VALUE = new Set(["-H", "--host"]);

describe("expandVerbPrefix (xl's cmdtable_lookup)", () => {
  it("expands a prefix only one verb starts with, after global options and their values", () => {
    expect(expandVerbPrefix(["-H", "host1", "vcpu-l", "web"], VERBS, WITH_VALUE)).toEqual({
      kind: "expanded",
      argv: ["-H", "host1", "vcpu-list", "web"],
      verb: "vcpu-list",
    });
    expect(expandVerbPrefix(["cd", "win", "hdc", "/iso"], VERBS, WITH_VALUE)).toMatchObject({
      verb: "cd-insert",
    });
    expect(expandVerbPrefix(["--host=host1", "b", "web"], VERBS, WITH_VALUE)).toMatchObject({
      verb: "block-list",
    });
  });

  it("takes a verb given in full even when it starts a longer one", () => {
    expect(expandVerbPrefix(["list"], [...VERBS, "list-extra"], WITH_VALUE)).toEqual({ kind: "unchanged" });
  });

  it("names the candidates of an ambiguous prefix", () => {
    expect(expandVerbPrefix(["mem", "web", "1g"], VERBS, WITH_VALUE)).toEqual({
      kind: "ambiguous",
      prefix: "mem",
      candidates: ["mem-max", "mem-set"],
    });
  });

  it("leaves unknown verbs, empty input and arguments alone", () => {
    expect(expandVerbPrefix(["frobnicate"], VERBS, WITH_VALUE)).toEqual({ kind: "unchanged" });
    expect(expandVerbPrefix([], VERBS, WITH_VALUE)).toEqual({ kind: "unchanged" });
    expect(expandVerbPrefix(["-H", "l"], VERBS, WITH_VALUE)).toEqual({ kind: "unchanged" });
    expect(expandVerbPrefix(["list", "mem"], VERBS, WITH_VALUE)).toEqual({ kind: "unchanged" });
  });
});

describe("xsim's verbs by prefix", () => {
  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const { runCli } = await import("./main.js");
    let out = "";
    let err = "";
    const code = await runCli(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`) });
    return { code, out, err };
  }

  it("runs a unique prefix as the verb and refuses an ambiguous one naming the candidates", async () => {
    const full = await run("completion", "bash");
    expect(await run("compl", "bash")).toEqual(full);
    const ambiguous = await run("mem", "web", "1g");
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.err.trim()).toBe('xsim: "mem" is ambiguous: mem-set, mem-max');
  });
});
