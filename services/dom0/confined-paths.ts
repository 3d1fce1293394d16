import { mkdirSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { ToolstackError } from "./errors.js";

/**
 * Where a host may read and write files a caller names (xl save / restore, and any later file
 * argument): its state directory, and the directories allow-listed when it started. A relative
 * path is taken inside the state directory. Symbolic links are resolved before the check, so a
 * link inside pointing outside is refused too. Anything else is PERMISSION_DENIED, and no error
 * says anything about what is outside (not even whether it exists).
 */
export class ConfinedPaths {
  readonly stateDir: string;
  private readonly roots: readonly string[];

  constructor(stateDir: string, allowedDirs: readonly string[] = []) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.stateDir = realpathSync(stateDir);
    this.roots = [this.stateDir, ...allowedDirs.map((dir) => realpathSync(dir))];
  }

  /** An existing file to read: its real path, inside a root. */
  forReading(path: string): string {
    const wanted = this.absolute(path);
    this.requireInside(path, this.realParent(path, wanted));
    let real: string;
    try {
      real = realpathSync(wanted);
    } catch {
      throw new ToolstackError("NOT_FOUND", `no such file: ${path}`);
    }
    this.requireInside(path, real);
    return real;
  }

  /** A file to create or replace: its real directory must be inside a root. */
  forWriting(path: string): string {
    const wanted = this.absolute(path);
    const parent = this.realParent(path, wanted);
    this.requireInside(path, parent);
    return join(parent, wanted.slice(dirname(wanted).length + 1));
  }

  private absolute(path: string): string {
    if (path === "" || path.includes("\0"))
      throw new ToolstackError("INVALID_ARGUMENT", "a file path is needed");
    return isAbsolute(path) ? resolve(path) : resolve(this.stateDir, path);
  }

  private realParent(path: string, wanted: string): string {
    try {
      return realpathSync(dirname(wanted));
    } catch {
      // A directory that does not exist: refuse as outside unless it would be inside.
      this.requireInside(path, dirname(wanted));
      throw new ToolstackError("NOT_FOUND", `no such directory: ${dirname(path)}`);
    }
  }

  private requireInside(path: string, real: string): void {
    if (this.roots.some((root) => real === root || real.startsWith(root + sep))) return;
    throw new ToolstackError(
      "PERMISSION_DENIED",
      `${path}: outside this host's state directory (${this.stateDir})` +
        (this.roots.length > 1 ? " and its allowed directories" : ""),
    );
  }
}
