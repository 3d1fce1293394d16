import { describe, expect, it } from "vitest";
import { XenStoreError } from "./errors.js";
import { XENSTORE_ABS_PATH_MAX } from "./limits.js";
import {
  baseName,
  isAtOrBelow,
  isValidPathAtOrBelow,
  joinPath,
  parentPath,
  relativePath,
  validateNodePath,
} from "./path.js";

describe("validateNodePath", () => {
  it.each(["/", "/local", "/local/domain/5/device/vif/0", "/a_b-c.d@e", "/A/9"])("accepts %s", (path) => {
    expect(() => validateNodePath(path)).not.toThrow();
  });

  it.each([
    ["", "empty"],
    ["local/domain", "absolute"],
    ["/local//domain", "empty component"],
    ["/local/", "trailing"],
    ["/local/dom ain", "characters"],
    ["/local/d*", "characters"],
    ["/ü", "characters"],
  ])("rejects %j (%s)", (path, why) => {
    expect(() => validateNodePath(path)).toThrow(XenStoreError);
    expect(() => validateNodePath(path)).toThrow(why);
  });

  it("limits the length to XENSTORE_ABS_PATH_MAX", () => {
    const longest = "/" + "a".repeat(XENSTORE_ABS_PATH_MAX - 1);
    expect(() => validateNodePath(longest)).not.toThrow();
    expect(() => validateNodePath(longest + "a")).toThrow(/longer than 3072/);
  });

  it("names the code EINVAL", () => {
    try {
      validateNodePath("nope");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(XenStoreError);
      expect((error as XenStoreError).code).toBe("EINVAL");
      expect((error as XenStoreError).message).toMatch(/^EINVAL: bad path "nope"/);
    }
  });
});

describe("path helpers", () => {
  it("splits parent and base name", () => {
    expect(parentPath("/local/domain")).toBe("/local");
    expect(parentPath("/local")).toBe("/");
    expect(baseName("/local/domain")).toBe("domain");
    expect(() => parentPath("/")).toThrow();
  });

  it("joins and relativises both ways", () => {
    expect(joinPath("/", "a/b")).toBe("/a/b");
    expect(joinPath("/x", "a")).toBe("/x/a");
    expect(joinPath("/x", "")).toBe("/x");
    expect(relativePath("/x/a/b", "/x")).toBe("a/b");
    expect(relativePath("/x", "/x")).toBe("");
    expect(relativePath("/x", "/")).toBe("x");
    expect(() => relativePath("/xy", "/x")).toThrow();
  });

  it("treats a sibling with a common prefix as not below", () => {
    expect(isAtOrBelow("/local/domain/12", "/local/domain/1")).toBe(false);
    expect(isAtOrBelow("/local/domain/1/name", "/local/domain/1")).toBe(true);
    expect(isAtOrBelow("/local/domain/1", "/local/domain/1")).toBe(true);
    expect(isAtOrBelow("/anything", "/")).toBe(true);
    expect(isAtOrBelow("/local", "/local/domain")).toBe(false);
  });
});

/** Whether validateNodePath lets `path` through. */
function accepts(path: string): boolean {
  try {
    validateNodePath(path);
    return true;
  } catch {
    return false;
  }
}

describe("isValidPathAtOrBelow", () => {
  it("agrees with validateNodePath for paths at, below and beside a valid ancestor", () => {
    const ancestor = "/local/domain/7";
    const paths = [
      ancestor,
      `${ancestor}/name`,
      `${ancestor}/a.b/c-d/e_f/@x/Y9`,
      `${ancestor}//name`,
      `${ancestor}/name/`,
      `${ancestor}/na me`,
      `${ancestor}/é`,
      `${ancestor}/${"x".repeat(XENSTORE_ABS_PATH_MAX)}`,
      `${ancestor}0/name`,
      "/local/domain",
      "/vm/7",
    ];
    for (const path of paths) {
      expect(isValidPathAtOrBelow(path, ancestor), path).toBe(accepts(path) && isAtOrBelow(path, ancestor));
    }
  });
});

describe("validateNodePath's character-code check", () => {
  it("accepts exactly the paths the rules written as patterns accept", () => {
    const byPatterns = (path: string) =>
      path.length > 0 &&
      path.length <= XENSTORE_ABS_PATH_MAX &&
      path.startsWith("/") &&
      /^[A-Za-z0-9_@/.-]*$/.test(path) &&
      !path.includes("//") &&
      (path === "/" || !path.endsWith("/"));
    const alphabet = ["/", "/", "a", "Z", "0", "_", "@", ".", "-", " ", "é", "\n", "`", "{", "[", ":"];
    let state = 12345;
    const nextIndex = (bound: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % bound;
    };
    const paths = [
      "",
      "/",
      "//",
      `/${"a".repeat(XENSTORE_ABS_PATH_MAX - 1)}`,
      `/${"a".repeat(XENSTORE_ABS_PATH_MAX)}`,
    ];
    for (let i = 0; i < 5000; i++) {
      const length = nextIndex(9);
      paths.push(Array.from({ length }, () => alphabet[nextIndex(alphabet.length)]).join(""));
    }
    for (const path of paths) {
      expect(accepts(path), JSON.stringify(path)).toBe(byPatterns(path));
    }
  });
});
