import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkRestorePath } from "./save-file-path.js";

describe("the path of xl restore", () => {
  const dir = mkdtempSync(join(tmpdir(), "xsim-restore-path-"));
  const file = join(dir, "guest.xsim");
  writeFileSync(file, "x");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("accepts an absolute path to a regular file", async () => {
    await expect(checkRestorePath(file)).resolves.toBeUndefined();
  });

  it.each([
    ["", "INVALID_ARGUMENT", "restore needs a file path"],
    ["guest.xsim", "INVALID_ARGUMENT", 'restore path "guest.xsim" must be absolute'],
    [dir, "INVALID_ARGUMENT", `${dir} is a directory, not a save file`],
    ["/dev/null", "INVALID_ARGUMENT", "/dev/null is not a regular file"],
    [join(dir, "missing"), "NOT_FOUND", `no save file at ${join(dir, "missing")}`],
  ])("refuses %j with %s", async (path, code, message) => {
    const error = (await checkRestorePath(path).then(
      () => ({}),
      (refusal: unknown) => refusal,
    )) as { code?: string; message?: string };
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });
});
