import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { xsimHome } from "./cluster-state.js";

/** How long a started process has to print its ready line. */
export const PROCESS_READY_TIMEOUT_MS = 15_000;

/** The compiled service entry points, next to this file in dist/. */
export function serviceEntry(service: "host" | "scheduler"): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, "..", service, "main.js");
}

export function findNatsServer(): string {
  const candidates = [
    process.env.NATS_SERVER,
    "/usr/sbin/nats-server",
    "/usr/bin/nats-server",
    "/usr/local/bin/nats-server",
  ];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  try {
    return execFileSync("sh", ["-c", "command -v nats-server"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      "nats-server not found. Install it with `apt-get install nats-server` (Debian package), " +
        "or point NATS_SERVER at the binary.",
    );
  }
}

export interface Started {
  pid: number;
  logPath: string;
}

/** Starts a detached process whose stdout and stderr go to a log file under XSIM_HOME/logs. */
export function startDetached(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Started {
  const logDir = join(xsimHome(), "logs");
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, `${name}.log`);
  const log = openSync(logPath, "w");
  const child = spawn(command, args, { detached: true, env, stdio: ["ignore", log, log] });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  return { pid: child.pid, logPath };
}

/** Waits for the JSON ready line a service prints; fails with the log's tail if it dies first. */
export async function waitForReadyLine(started: Started, name: string): Promise<{ address: string }> {
  const deadline = Date.now() + PROCESS_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const text = existsSync(started.logPath) ? readFileSync(started.logPath, "utf8") : "";
    const line = text.split("\n").find((l) => l.startsWith('{"ready":true'));
    if (line) return JSON.parse(line) as { address: string };
    if (!isAlive(started.pid)) throw new Error(`${name} exited during start-up:\n${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not become ready in ${PROCESS_READY_TIMEOUT_MS} ms (log: ${started.logPath})`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stopProcess(pid: number, graceMs = 5000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
}
