import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import type { SchedulerClient } from "../../services/gen/xensim/v1/scheduler.js";
import { connectScheduler } from "../../services/cli/scheduler-client.js";
import { REPO_ROOT } from "./host-process.js";
import { securityArgs } from "./test-pki.js";

export interface SchedulerProcess {
  address: string;
  process: ChildProcess;
  client: SchedulerClient;
  /** What the scheduler wrote to stderr so far (its log). */
  log(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

/** Starts the real scheduler (node dist/services/scheduler/main.js) and waits for its ready line. */
export async function startSchedulerProcess(
  natsUrl: string,
  missedHeartbeats = 3,
  seed = 1,
): Promise<SchedulerProcess> {
  const args = [join(REPO_ROOT, "dist/services/scheduler/main.js"), "--nats", natsUrl];
  args.push(
    "--listen",
    "127.0.0.1:0",
    "--missed-heartbeats",
    String(missedHeartbeats),
    "--seed",
    String(seed),
    ...securityArgs(),
  );
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const address = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (line.startsWith('{"ready":true')) resolve((JSON.parse(line) as { address: string }).address);
    });
    child.once("exit", (code) => reject(new Error(`the scheduler exited with ${code}: ${stderr}`)));
  });
  const client = connectScheduler(address);
  const ended = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    client.close();
    const exited = ended();
    child.kill(signal);
    await exited;
  };
  return {
    address,
    process: child,
    client,
    log: () => stderr,
    stop: () => end("SIGTERM"),
    kill9: () => end("SIGKILL"),
  };
}
