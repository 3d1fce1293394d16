import { describe, expect, it, afterAll } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfinedPaths } from "./confined-paths.js";
import { ToolstackError } from "./errors.js";

const root = mkdtempSync(join(tmpdir(), "xsim-confined-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const state = join(root, "state");
const shared = join(root, "shared");
mkdirSync(shared);
const files = new ConfinedPaths(state, [shared]);

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof ToolstackError ? error.code : "not a ToolstackError";
  }
}

describe("confined file paths", () => {
  it("takes a relative path inside the state directory, and allows the allow-listed directory", () => {
    expect(files.forWriting("web.xsim")).toBe(join(files.stateDir, "web.xsim"));
    expect(files.forWriting(join(shared, "a.xsim"))).toMatch(/shared\/a\.xsim$/);
    writeFileSync(join(state, "there.xsim"), "x");
    expect(files.forReading("there.xsim")).toBe(join(files.stateDir, "there.xsim"));
  });

  it("refuses anything outside with PERMISSION_DENIED, and says nothing of what is there", () => {
    expect(codeOf(() => files.forReading("/etc/passwd"))).toBe("PERMISSION_DENIED");
    expect(codeOf(() => files.forReading("/etc/no-such-file"))).toBe("PERMISSION_DENIED");
    expect(codeOf(() => files.forWriting("/etc/passwd"))).toBe("PERMISSION_DENIED");
    expect(codeOf(() => files.forWriting("../escape.xsim"))).toBe("PERMISSION_DENIED");
    expect(codeOf(() => files.forWriting(`${state}-sibling/x`))).toBe("PERMISSION_DENIED");
    expect(codeOf(() => files.forWriting("/no/such/dir/x"))).toBe("PERMISSION_DENIED");
  });

  it("follows symbolic links before deciding: a link inside to a file outside is refused", () => {
    symlinkSync("/etc/passwd", join(state, "link.xsim"));
    symlinkSync("/etc", join(state, "etc"));
    expect(codeOf(() => files.forReading("link.xsim"))).toBe("PERMISSION_DENIED");
    expect(codeOf(() => files.forWriting("etc/passwd"))).toBe("PERMISSION_DENIED");
  });

  it("answers NOT_FOUND only inside, and INVALID_ARGUMENT for an empty path", () => {
    expect(codeOf(() => files.forReading("absent.xsim"))).toBe("NOT_FOUND");
    expect(codeOf(() => files.forWriting("sub/absent/x.xsim"))).toBe("NOT_FOUND");
    expect(codeOf(() => files.forReading(""))).toBe("INVALID_ARGUMENT");
  });
});
