// @ts-check
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import ts from "typescript";

/** Folders whose TypeScript files take part in the graph; generated code is a leaf. */
export const SCANNED_FOLDERS = ["services", "tests", "bench", "tools"];
const SKIPPED = new Set(["node_modules", "dist", "gen"]);

/**
 * Every relative import of every .ts file under `root`'s scanned folders, as repository-relative
 * paths ("x.js" specifiers resolved to the "x.ts" files they compile from).
 * @param {string} root
 * @returns {Map<string, string[]>}
 */
export function scanImports(root) {
  /** @type {Map<string, string[]>} */
  const imports = new Map();
  for (const folder of SCANNED_FOLDERS) {
    for (const file of tsFiles(join(root, folder))) {
      const path = relative(root, file).split("\\").join("/");
      const text = readFileSync(file, "utf8");
      const specifiers = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
      imports.set(
        path,
        specifiers.filter((s) => s.startsWith(".")).map((s) => resolveSpecifier(path, s)),
      );
    }
  }
  return imports;
}

/**
 * @param {string} from
 * @param {string} specifier
 */
function resolveSpecifier(from, specifier) {
  const target = normalize(join(dirname(from), specifier))
    .split("\\")
    .join("/");
  return target.replace(/\.js$/, ".ts");
}

/**
 * @param {string} folder
 * @returns {string[]}
 */
function tsFiles(folder) {
  /** @type {string[]} */
  const files = [];
  /** @type {import("node:fs").Dirent[]} */
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    if (SKIPPED.has(entry.name)) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...tsFiles(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) files.push(path);
  }
  return files.sort();
}
