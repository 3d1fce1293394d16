import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./host-process.js";

export const XSIM_BIN = join(REPO_ROOT, "bin", "xsim.js");

export interface XsimRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/xsim.js ...args` as a user would, with its own XSIM_HOME. */
export function runXsim(home: string, ...args: string[]): Promise<XsimRun> {
  return runXsimWithEnv(home, {}, ...args);
}

/** runXsim with more environment, e.g. XSIM_SCHEDULER for a test's own scheduler. */
export function runXsimWithEnv(
  home: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<XsimRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [XSIM_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, XSIM_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
