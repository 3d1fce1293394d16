import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { existsSync, writeFileSync } from "node:fs";
import { REPO_ROOT } from "./host-process.js";
import { testPki } from "./test-pki.js";

export const XSIM_BIN = join(REPO_ROOT, "bin", "xsim.js");

export interface XsimRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/xsim.js ...args` as a user would, with its own XSIM_HOME and, as the operator,
 * this test file's cluster credentials (XSIM_PKI; --insecure when the tests run insecure).
 */
export function runXsim(home: string, ...args: string[]): Promise<XsimRun> {
  return runXsimWithEnv(home, {}, ...args);
}

/** runXsim with more environment, e.g. XSIM_SCHEDULER for a test's own scheduler. */
export function runXsimWithEnv(
  home: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<XsimRun> {
  return startXsim(home, env, ...args).done;
}

/** runXsimWithEnv, with the process itself, for a test that signals it (Ctrl-C: SIGINT). */
export function startXsim(
  home: string,
  env: Record<string, string>,
  ...args: string[]
): { child: ChildProcess; done: Promise<XsimRun> } {
  // A cluster `xsim up` started in `home` has its own PKI, which the CLI finds by itself.
  const security = existsSync(join(home, "cluster.json")) ? [] : operatorCliArgs();
  const child = spawn(process.execPath, [XSIM_BIN, ...security, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, XSIM_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const done = new Promise<XsimRun>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

/** The CLI's flags to act as this test file's operator: --pki DIR, or --insecure when the tests run so. */
export function operatorCliArgs(): string[] {
  const pki = testPki();
  return pki ? ["--pki", pki.dir] : ["--insecure"];
}

/** A small PV guest's xl.cfg in `dir` (64 MiB, a kernel), with `lines` added; returns its path. */
export function writeGuestConfig(dir: string, name: string, lines: readonly string[]): string {
  const path = join(dir, `${name}.cfg`);
  writeFileSync(
    path,
    [`name = "${name}"`, 'kernel = "/boot/vmlinuz"', "memory = 64", ...lines, ""].join("\n"),
  );
  return path;
}
