import { execFileSync } from "node:child_process";

/**
 * Integration tests start real host processes from dist/, so dist/ must match the sources:
 * build once before any test file runs (skip with XSIM_SKIP_BUILD=1 when it was just built).
 */
export default function setup(): void {
  if (process.env.XSIM_SKIP_BUILD === "1") return;
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
