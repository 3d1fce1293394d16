import { XenStoreError } from "./errors.js";
import { XENSTORE_ABS_PATH_MAX } from "./limits.js";

export const ROOT_PATH = "/";

/**
 * Characters allowed in a path. xenstored's `valid_chars` (tools/xenstored/core.c) allows
 * `[A-Za-z0-9-/_@]`; the simulator also allows `.` so names such as IP addresses fit.
 */
const SLASH_CHAR_CODE = 0x2f;
const pathCharsPattern = /^[A-Za-z0-9_@/.-]*$/;

/** Throws EINVAL unless `path` is an absolute node path (rules from `is_valid_nodename`). */
export function validateNodePath(path: string): void {
  if (isValidNodePath(path)) return; // every operation passes here: the reasons only for a bad path
  const fail = (why: string): never => {
    throw new XenStoreError("EINVAL", `bad path ${JSON.stringify(path)}: ${why}`);
  };
  if (path.length === 0) fail("empty");
  if (!path.startsWith("/")) fail("must be absolute (start with /)");
  if (path.length > XENSTORE_ABS_PATH_MAX) fail(`longer than ${XENSTORE_ABS_PATH_MAX} characters`);
  if (!pathCharsPattern.test(path)) fail("allowed characters are A-Z a-z 0-9 _ @ / . -");
  if (path.includes("//")) fail("empty component");
  if (path !== ROOT_PATH && path.endsWith("/")) fail("trailing /");
}

function isValidNodePath(path: string): boolean {
  return (
    path.length > 0 && path.charCodeAt(0) === SLASH_CHAR_CODE && (path.length === 1 || isValidBelow(path, 0))
  );
}

/**
 * Whether `path` is a valid node path at or below `ancestor`, a valid path other than the root:
 * `isValidNodePath` reading only the characters below `ancestor` (a write under a new domain's home
 * checks its few own characters, not the whole path again).
 */
export function isValidPathAtOrBelow(path: string, ancestor: string): boolean {
  if (!path.startsWith(ancestor)) return false;
  return path.length === ancestor.length || isValidBelow(path, ancestor.length);
}

/**
 * The rules of `is_valid_nodename` for the part of `path` from `slashIndex`, which must be a "/"
 * after a valid path (or the leading one): at most XENSTORE_ABS_PATH_MAX characters in all, only
 * pathCharsPattern's, no empty component, no trailing "/". Character codes, no regex: every
 * operation checks its path.
 */
function isValidBelow(path: string, slashIndex: number): boolean {
  if (path.length > XENSTORE_ABS_PATH_MAX || path.charCodeAt(slashIndex) !== SLASH_CHAR_CODE) return false;
  for (let index = slashIndex + 1; index < path.length; index++) {
    const code = path.charCodeAt(index);
    if (code === SLASH_CHAR_CODE ? path.charCodeAt(index - 1) === SLASH_CHAR_CODE : !isPathCharCode(code))
      return false;
  }
  return path.charCodeAt(path.length - 1) !== SLASH_CHAR_CODE;
}

/** One character of pathCharsPattern other than "/": [A-Za-z0-9_@.-]. */
function isPathCharCode(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x40 && code <= 0x5a) || // @ A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x5f || // _
    code === 0x2e || // .
    code === 0x2d // -
  );
}

/** The parent of a valid non-root path; "/" for a top-level node. */
export function parentPath(path: string): string {
  if (path === ROOT_PATH) throw new Error("xenstore: the root has no parent");
  const slashIndex = path.lastIndexOf("/");
  return slashIndex === 0 ? ROOT_PATH : path.slice(0, slashIndex);
}

/** The last component of a valid non-root path. */
export function baseName(path: string): string {
  if (path === ROOT_PATH) throw new Error("xenstore: the root has no name");
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `parent` + "/" + `relative`; an empty `relative` names `parent` itself. Not validated. */
export function joinPath(parent: string, relative: string): string {
  if (relative === "") return parent;
  return parent === ROOT_PATH ? `/${relative}` : `${parent}/${relative}`;
}

/** `path` relative to `ancestor` ("" when equal); `path` must be `ancestor` or below it. */
export function relativePath(path: string, ancestor: string): string {
  if (!isAtOrBelow(path, ancestor)) throw new Error(`xenstore: ${path} is not under ${ancestor}`);
  if (path === ancestor) return "";
  return ancestor === ROOT_PATH ? path.slice(1) : path.slice(ancestor.length + 1);
}

/** True when `path` is `ancestor` or one of its descendants (xenstored's `is_child`). */
export function isAtOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === ROOT_PATH || path === ancestor) return true;
  return path.startsWith(ancestor) && path.charAt(ancestor.length) === "/";
}
