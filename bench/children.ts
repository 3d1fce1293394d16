import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** How long a child may take to print its ready line (20 hosts start at once on 2 cores). */
export const READY_TIMEOUT_MS = 60_000;
/** How long a child may take to exit after SIGTERM before it gets SIGKILL. */
export const STOP_TIMEOUT_MS = 5_000;

export interface ReadyChild {
  name: string;
  pid: number;
  address: string;
  process: ChildProcess;
}

/**
 * Every child process the bench starts, so that all of them are killed at the end, even on error:
 * `stopAll()` in a finally, and `killAllNow()` from process "exit" as the last resort.
 */
export class ChildSet {
  private readonly children = new Set<ChildProcess>();

  /** `echoOutput`: copy every line the children print to this process's stderr, prefixed by name. */
  constructor(private readonly echoOutput = false) {}

  /**
   * Runs `node nodeArgs... script args...` and waits for its `{"ready":true,"address":...}` stdout
   * line. `nodeArgs` are node's own flags, e.g. `--cpu-prof --cpu-prof-dir DIR`.
   */
  async startNode(
    name: string,
    script: string,
    args: string[],
    nodeArgs: string[] = [],
  ): Promise<ReadyChild> {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    if (this.echoOutput) {
      const echo = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
      createInterface({ input: child.stderr }).on("line", echo);
      createInterface({ input: child.stdout }).on("line", echo);
    }
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name}: no ready line in ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      createInterface({ input: child.stdout }).on("line", (line) => {
        if (!line.startsWith('{"ready":true')) return;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { address: string }).address);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready: ${stderr.trim()}`));
      });
    });
    if (child.pid === undefined) throw new Error(`${name}: spawned without a pid`);
    return { name, pid: child.pid, address, process: child };
  }

  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children].map((child) => this.stop(child)));
  }

  killAllNow(): void {
    for (const child of this.children) child.kill("SIGKILL");
  }
}
