#!/usr/bin/env node
// @ts-check
// `npm run lint` runs this: the imports under services/ must follow tools/layers/graph.js.
import process from "node:process";
import { fileURLToPath, URL } from "node:url";
import { checkImports } from "./graph.js";
import { scanImports } from "./scan.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const imports = scanImports(root);
const problems = checkImports(imports);
for (const problem of problems) process.stderr.write(`layers: ${problem}\n`);
if (problems.length > 0) {
  process.stderr.write(`layers: ${problems.length} break(s) of the layer graph (docs/architecture.md)\n`);
  process.exit(1);
}
process.stdout.write(`layers: ${imports.size} files follow the layer graph\n`);
