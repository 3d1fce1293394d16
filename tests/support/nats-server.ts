import { spawn, type ChildProcess, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "nats";
import { natsServerConfig } from "../../services/identity/nats-config.js";
import { loadIdentity } from "../../services/identity/pki.js";
import { natsOptionsOf } from "../../services/transport/tls/nats-client.js";
import { testPki } from "./test-pki.js";
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

/**
 * Starts a real nats-server (JetStream on) on a free loopback port, for one test file: secured as
 * a cluster's (TLS, a user per member, their permissions: services/identity/nats-config.ts) unless
 * the tests run insecure. Hosts admitted later are added by a configuration reload (SIGHUP).
 */
export async function startNatsServer(
  /** `plain`: no TLS and no users, for tests of the NATS client itself (conformance suites). */
  mode: "cluster" | "plain" = "cluster",
): Promise<NatsServerHandle> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "xsim-nats-"));
  const pki = mode === "cluster" ? testPki() : undefined;
  const configPath = join(storeDir, "nats.conf");
  const writeConfig = (hostIds: readonly string[]) => {
    if (!pki) return;
    const listen = `127.0.0.1:${port}`;
    writeFileSync(configPath, natsServerConfig({ pkiDir: pki.dir, listen, storeDir, hostIds }));
  };
  writeConfig(pki?.knownHostIds() ?? []);
  const args = pki ? ["-c", configPath] : ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir];
  const spawnServer = () => spawn(natsServerPath(), args, { stdio: "ignore" });
  let child = spawnServer();
  const url = `nats://127.0.0.1:${port}`;
  const unwatch = pki?.watchAdmissions(async (hostIds) => {
    writeConfig(hostIds);
    child.kill("SIGHUP");
    await waitUntilAdmitted(url, pki.dir, hostIds[hostIds.length - 1] ?? "");
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGCONT");
    child.kill(signal);
    await exited;
  };
  await waitForPort(port);
  return {
    url,
    port,
    get process() {
      return child;
    },
    stop: async () => {
      unwatch?.();
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

/** Polls until nats-server accepts the host's credentials (its reload has taken effect). */
async function waitUntilAdmitted(
  url: string,
  pkiDir: string,
  hostId: string,
  timeoutMs = 10_000,
): Promise<void> {
  const identity = loadIdentity(pkiDir, "host", hostId);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await connect({ servers: url, ...natsOptionsOf(identity) });
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
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
