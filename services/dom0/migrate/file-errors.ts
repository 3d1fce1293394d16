import { ToolstackError, type ToolstackErrorCode } from "../errors.js";

/**
 * What a file system's refusal means to the caller of save or restore: the code and words, not an
 * internal error with a stack (a full disk is a fault users meet, not a bug).
 */
const FILE_ERROR_WORDS: Readonly<Record<string, { code: ToolstackErrorCode; words: string }>> = {
  ENOSPC: { code: "RESOURCE_EXHAUSTED", words: "no space left on the device" },
  EDQUOT: { code: "RESOURCE_EXHAUSTED", words: "disk quota exceeded" },
  EFBIG: { code: "RESOURCE_EXHAUSTED", words: "file too large for the file system" },
  EROFS: { code: "FAILED_PRECONDITION", words: "read-only file system" },
  EACCES: { code: "FAILED_PRECONDITION", words: "permission denied" },
  EPERM: { code: "FAILED_PRECONDITION", words: "operation not permitted" },
  EISDIR: { code: "INVALID_ARGUMENT", words: "is a directory" },
  EIO: { code: "UNAVAILABLE", words: "input/output error" },
};

/**
 * A file error of `verb` ("write", "read") on the caller's `path` as a ToolstackError naming the path,
 * the errno and what it means, followed by `outcome` ("nothing was saved; web runs on"); any other
 * error is returned as it is.
 */
export function fileError(error: unknown, verb: string, path: string, outcome: string): unknown {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof errno !== "string" || error instanceof ToolstackError) return error;
  const known = FILE_ERROR_WORDS[errno];
  const words = known ? `${known.words} (${errno})` : errno;
  return new ToolstackError(known?.code ?? "UNAVAILABLE", `cannot ${verb} ${path}: ${words}; ${outcome}`);
}
