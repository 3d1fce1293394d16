/** `npm run docs:cli` (from the repository root): rewrites docs/cli-reference.md from the command definitions. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildProgram } from "../cli/main.js";
import { cliReferenceMarkdown } from "../cli/cli-reference.js";

const silent = { out: () => undefined, err: () => undefined };
writeFileSync(join(process.cwd(), "docs", "cli-reference.md"), cliReferenceMarkdown(buildProgram(silent)));
