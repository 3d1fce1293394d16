import { describe, expect, it } from "vitest";
import { ToolstackError } from "../errors.js";
import { fileError } from "./file-errors.js";

const errno = (code: string) => Object.assign(new Error(`${code}: something, write`), { code });

describe("fileError", () => {
  it("names the path, what the errno means and the outcome, with a code the caller can act on", () => {
    expect(fileError(errno("ENOSPC"), "write", "web.save", "nothing was saved")).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      message: "cannot write web.save: no space left on the device (ENOSPC); nothing was saved",
    });
    expect(fileError(errno("EROFS"), "write", "/mnt/x", "nothing was saved")).toMatchObject({
      code: "FAILED_PRECONDITION",
      message: "cannot write /mnt/x: read-only file system (EROFS); nothing was saved",
    });
  });

  it("an errno it has no words for still names itself, UNAVAILABLE", () => {
    expect(fileError(errno("ESTALE"), "read", "f", "nothing was restored")).toMatchObject({
      code: "UNAVAILABLE",
      message: "cannot read f: ESTALE; nothing was restored",
    });
  });

  it("leaves anything else as it is", () => {
    const plain = new Error("boom");
    expect(fileError(plain, "write", "f", "x")).toBe(plain);
    const refusal = new ToolstackError("NOT_FOUND", "no domain");
    expect(fileError(refusal, "write", "f", "x")).toBe(refusal);
  });
});
