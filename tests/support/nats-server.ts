import { spawn, type ChildProcess, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "node:net";
import { freePort } from "./ports.js";

export interface NatsServerHandle {
  url: string;
  port: number;
  /** The running server (a new one after startAgain). */
  readonly process: ChildProcess;
  stop(): Promise<void>;
  /** SIGKILL, as a crash: the JetStream store stays on disk. */
  kill9(): Promise<void>;
  /** Starts the server again on the same port with the same JetStream store. */
  startAgain(): Promise<void>;
}

export function natsServerPath(): string {
  for (const candidate of [process.env.NATS_SERVER, "/usr/sbin/nats-server", "/usr/bin/nats-server"]) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ["--version"], { stdio: "ignore" });
      return candidate;
    } catch {
      /* try the next one */
    }
  }
  throw new Error(
    "nats-server not found: install it with `apt-get install nats-server` (or set NATS_SERVER)",
  );
}

/** Starts a real nats-server (JetStream on) on a free loopback port, for one test file. */
export async function startNatsServer(): Promise<NatsServerHandle> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "xsim-nats-"));
  const spawnServer = () =>
    spawn(natsServerPath(), ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir], {
      stdio: "ignore",
    });
  let child = spawnServer();
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGCONT");
    child.kill(signal);
    await exited;
  };
  await waitForPort(port);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    get process() {
      return child;
    },
    stop: async () => {
      await end("SIGTERM");
      rmSync(storeDir, { recursive: true, force: true });
    },
    kill9: () => end("SIGKILL"),
    startAgain: async () => {
      child = spawnServer();
      await waitForPort(port);
    },
  };
}

export async function waitForPort(port: number, host = "127.0.0.1", timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host }, () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - start > timeoutMs)
      throw new Error(`port ${host}:${port} did not open in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
