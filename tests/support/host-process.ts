import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { HostClient } from "../../services/gen/xensim/v1/host.js";
import { connectHost } from "../../services/transport/grpc/host-client.js";
import { securityArgs, testPki } from "./test-pki.js";

export const REPO_ROOT = join(import.meta.dirname, "..", "..");

export interface HostProcess {
  hostId: string;
  address: string;
  process: ChildProcess;
  client: HostClient;
  /** What the host has printed on stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export interface HostProcessOptions {
  hostId: string;
  natsUrl?: string;
  listenHost?: string;
  /** The port to listen on (default: any free one); a host restarted at the same address gives it. */
  listenPort?: number;
  memoryMib?: number;
  pcpus?: number;
  hvm?: boolean;
  heartbeatMs?: number;
  extraArgs?: string[];
  /** Start this host with --insecure whatever the test file's PKI (a control run of a wire capture). */
  insecure?: boolean;
}

/** Where test hosts keep their state directories unless a test gives --state-dir. */
export function testStateRoot(): string {
  return join(testPki()?.dir ?? tmpdir(), "state");
}

/** Starts a real host service (node dist/services/host/main.js) and waits for its ready line. */
export async function startHostProcess(options: HostProcessOptions): Promise<HostProcess> {
  const args = [join(REPO_ROOT, "dist/services/host/main.js"), "--host-id", options.hostId];
  args.push("--listen", `${options.listenHost ?? "127.0.0.1"}:${options.listenPort ?? 0}`);
  if (options.natsUrl) args.push("--nats", options.natsUrl);
  if (options.memoryMib) args.push("--memory-mib", String(options.memoryMib));
  if (options.pcpus) args.push("--pcpus", String(options.pcpus));
  if (options.hvm === false) args.push("--no-hvm");
  if (options.heartbeatMs) args.push("--heartbeat-ms", String(options.heartbeatMs));
  // The test cluster's credentials for this host (nats-server learns its user first), and a state
  // directory of its own for its files (save/restore are confined there: dom0/confined-paths.ts).
  if (options.insecure) args.push("--insecure");
  else {
    await testPki()?.admitHost(options.hostId);
    args.push(...securityArgs());
  }
  if (!options.extraArgs?.includes("--state-dir"))
    args.push("--state-dir", join(testStateRoot(), options.hostId));
  args.push(...(options.extraArgs ?? []));
  // Tests about other things stop hosts as before: their guests are destroyed (and reported).
  if (!args.includes("--on-shutdown")) args.push("--on-shutdown", "destroy");
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const address = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (line.startsWith('{"ready":true')) resolve((JSON.parse(line) as { address: string }).address);
    });
    child.once("exit", (code) => reject(new Error(`host ${options.hostId} exited with ${code}: ${stderr}`)));
  });
  const client = connectHost(address);
  const waitExit = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => child.once("exit", () => r()));
  return {
    hostId: options.hostId,
    address,
    process: child,
    client,
    stderr: () => stderr,
    stop: async () => {
      client.close();
      const exited = waitExit();
      child.kill("SIGTERM");
      await exited;
    },
    kill9: async () => {
      client.close();
      const exited = waitExit();
      child.kill("SIGKILL");
      await exited;
    },
  };
}
