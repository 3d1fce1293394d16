import { stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { ToolstackError } from "../errors.js";

/**
 * `xl restore FILE`'s FILE, checked before anything is built: an absolute path (the host resolves
 * nothing against its own working directory) to a regular file. NOT_FOUND when it is missing,
 * INVALID_ARGUMENT naming the path otherwise.
 */
export async function checkRestorePath(path: string): Promise<void> {
  if (path === "") throw new ToolstackError("INVALID_ARGUMENT", "restore needs a file path");
  if (!isAbsolute(path))
    throw new ToolstackError("INVALID_ARGUMENT", `restore path "${path}" must be absolute`);
  const found = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new ToolstackError("NOT_FOUND", `no save file at ${path}`);
    throw new ToolstackError("INVALID_ARGUMENT", `cannot read ${path}: ${error.code ?? error.message}`);
  });
  if (found.isDirectory())
    throw new ToolstackError("INVALID_ARGUMENT", `${path} is a directory, not a save file`);
  if (!found.isFile())
    throw new ToolstackError("INVALID_ARGUMENT", `${path} is not a regular file, not a save file`);
}
