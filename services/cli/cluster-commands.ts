import type { Command } from "commander";
import { createConnection } from "node:net";
import { readFileSync, rmSync } from "node:fs";
import { parseTopology, type TopologyHost } from "./topology.js";
import { join } from "node:path";
import { totalmem } from "node:os";
import { MIB } from "../core/units.js";
import { findNatsServer, serviceEntry, startDetached, stopProcess, waitForReadyLine } from "./launcher.js";
import {
  readClusterState,
  removeClusterState,
  writeClusterState,
  xsimHome,
  type ClusterState,
} from "./cluster-state.js";
import type { CliIo } from "./domain-commands.js";
import { startSupervisedScheduler } from "./scheduler-launch.js";
import { SHUTDOWN_GRACE_MS } from "../contracts/host-shutdown.js";
import { HOST_NODE_FLAGS } from "../contracts/host-node-flags.js";
import { upSecurity } from "./up-security.js";

export const NATS_PORT_DEFAULT = 4222;
export const HOST_COUNT_MAX = 64;

interface UpOptions {
  hosts: string;
  natsPort: string;
  memoryMib?: string;
  realMemoryMib?: string;
  pcpus: string;
  withoutHvm?: string;
  sched?: string;
  heartbeatMs: string;
  topology?: string;
  allowFaultInjection?: boolean;
  /** The global --insecure: no PKI, no TLS (debugging only). */
  insecure?: boolean;
}

/** `xsim up` / `xsim down`: a local cluster of processes, each host on its own loopback address. */
export function addClusterCommands(program: Command, io: CliIo): void {
  program
    .command("up")
    .description("Start a local cluster: nats-server and N host services (127.0.1.N)")
    .option("--hosts <n>", "number of hosts", "3")
    .option("--nats-port <port>", "nats-server port on 127.0.0.1", String(NATS_PORT_DEFAULT))
    .option("--memory-mib <mib>", "physical memory of each host (default: 8192, or less to fit the machine)")
    .option(
      "--real-memory-mib <mib>",
      "real memory each host's guest pages may take (default: the machine's, shared)",
    )
    .option("--pcpus <n>", "physical CPUs of each host", "8")
    .option("--without-hvm <hosts>", "comma-separated host ids without HVM support")
    .option("--heartbeat-ms <ms>", "heartbeat interval", "1000")
    .option("--sched <scheduler>", "vCPU scheduler of every host: credit2 (default) or credit")
    .option(
      "--topology <file>",
      "hosts from a topology file (docs/topology.md) instead of --hosts/--memory-mib/--pcpus",
    )
    .option(
      "--allow-fault-injection",
      "let `xsim fault` act on every host (docs/specs/fault-injection.md; off by default)",
    )
    .action(async (options: UpOptions) => {
      const insecure = program.opts<{ insecure?: boolean }>().insecure === true;
      const state = await up({ ...options, insecure }, io);
      io.out(
        `cluster up: nats ${state.natsUrl}, ${state.hosts.map((h) => `${h.hostId}=${h.address}`).join(" ")}`,
      );
    });

  program
    .command("down")
    .description("Stop the local cluster started by `xsim up`")
    .action(async () => {
      const state = readClusterState();
      if (!state) {
        io.err("no cluster is up");
        return;
      }
      await down(state);
      io.out("cluster down");
    });
}

/** Each host's id, memory, pCPUs and HVM: from --topology, or --hosts/--memory-mib/--pcpus/--without-hvm. */
function hostSpecs(
  options: UpOptions,
  hostCount: number,
  io: CliIo,
  memoryMibDefault: number,
): TopologyHost[] {
  if (options.topology) {
    const topology = parseTopology(readFileSync(options.topology, "utf8"), options.topology);
    const recorded = topology.hosts.some((h) => h.nicBytesPerSecond !== undefined || h.rack);
    if (recorded)
      io.err("topology: nic_bandwidth and rack are read and checked, not yet simulated by the hosts");
    return topology.hosts;
  }
  const noHvm = new Set((options.withoutHvm ?? "").split(",").filter(Boolean));
  return Array.from({ length: hostCount }, (_, index) => ({
    id: `host${index + 1}`,
    memoryMib: memoryMibDefault,
    pcpus: Number(options.pcpus),
    hvm: !noHvm.has(`host${index + 1}`),
    numaNodes: 1,
  }));
}

async function up(options: UpOptions, io: CliIo): Promise<ClusterState> {
  if (readClusterState()) throw new Error("a cluster is already up: run `xsim down` first");
  const hostCount = Number(options.hosts);
  if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > HOST_COUNT_MAX) {
    throw new Error(`--hosts must be 1..${HOST_COUNT_MAX}, not "${options.hosts}"`);
  }
  const natsPort = Number(options.natsPort);
  const specsAsked = hostSpecs(options, hostCount, io, upMemory(hostCount, options).memoryMib);
  const memory = upMemory(specsAsked.length, options);
  const specs = options.topology ? specsAsked : hostSpecs(options, hostCount, io, memory.memoryMib);
  io.err(
    `each host: a real-memory budget of ${memory.realMemoryMib} MiB ` +
      `(${REAL_MEMORY_USABLE_PERCENT} % of this machine's ${Math.floor(totalmem() / MIB)} MiB shared by ${specs.length} hosts)`,
  );
  const security = upSecurity(
    options.insecure === true,
    specs.map((spec) => spec.id),
    natsPort,
    natsStoreDir(natsPort),
    (line) => io.err(line),
  );
  const nats = startDetached("nats-server", findNatsServer(), security.natsArgs);
  const state: ClusterState = {
    natsUrl: `nats://127.0.0.1:${natsPort}`,
    natsPid: nats.pid,
    hosts: [],
    ...security.recorded,
  };
  try {
    await waitForTcp(natsPort, nats.logPath);
    for (const [index, spec] of specs.entries()) {
      const n = index + 1;
      const hostId = spec.id;
      const args = [
        ...HOST_NODE_FLAGS,
        serviceEntry("host"),
        "--host-id",
        hostId,
        "--listen",
        `127.0.1.${n}:0`,
        "--nats",
        state.natsUrl,
        ...security.serviceArgs,
        ...security.hostArgs,
      ];
      args.push(
        "--memory-mib",
        String(spec.memoryMib),
        "--real-memory-mib",
        String(memory.realMemoryMib),
        "--pcpus",
        String(spec.pcpus),
        "--seed",
        String(n),
        "--heartbeat-ms",
        options.heartbeatMs,
        "--state-dir",
        join(xsimHome(), "state", hostId),
      );
      if (!spec.hvm) args.push("--no-hvm");
      if (spec.numaNodes > 1) args.push("--numa-nodes", String(spec.numaNodes));
      if (options.sched) args.push("--sched", options.sched);
      if (options.allowFaultInjection) args.push("--allow-fault-injection");
      const started = startDetached(hostId, process.execPath, args, HOST_PROCESS_ENV);
      state.hosts.push({ hostId, address: "", pid: started.pid });
      const ready = await waitForReadyLine(started, hostId);
      state.hosts[state.hosts.length - 1]!.address = ready.address;
      const notes = [
        spec.hvm ? "" : " (no HVM)",
        options.allowFaultInjection ? " (fault injection allowed)" : "",
      ];
      io.err(`started ${hostId} at ${ready.address}${notes.join("")}`);
    }
    // Supervised (restarted if it fails) on a fixed port: cluster.json stays right across restarts.
    const scheduler = await startSupervisedScheduler(state.natsUrl, security.serviceArgs);
    state.schedulerPid = scheduler.pid;
    state.schedulerAddress = scheduler.address;
    io.err(`started the scheduler at ${state.schedulerAddress} (restarted if it fails)`);
  } catch (error) {
    await down(state);
    throw error;
  }
  writeClusterState(state);
  return state;
}

/**
 * JetStream's store for this cluster (the scheduler's KV bucket lives there), under XSIM_HOME and
 * emptied by each `xsim up`: a new cluster starts with no disabled hosts or pending operations.
 */
function natsStoreDir(natsPort: number): string {
  const dir = join(xsimHome(), `nats-${natsPort}`);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/** Of the machine's memory, the share `xsim up` gives its hosts' guest pages (the rest: OS, Node, NATS). */
export const REAL_MEMORY_USABLE_PERCENT = 75;
/** A host's memory when the machine has room for it. */
export const HOST_MEMORY_MIB_DEFAULT = 8192;

/**
 * glibc serves large allocations from its heap once the dynamic mmap threshold has grown, and that
 * memory stays with the process after free. A fixed threshold keeps each 16 MiB page chunk an
 * mmap of its own, unmapped (returned to the OS) when freed.
 */
const HOST_PROCESS_ENV: NodeJS.ProcessEnv = { ...process.env, MALLOC_MMAP_THRESHOLD_: String(1024 * 1024) };

/** Each host's memory and real-memory budget: what the user said, else the machine's memory shared. */
function upMemory(hostCount: number, options: UpOptions): { memoryMib: number; realMemoryMib: number } {
  const shareMib = Math.floor(((totalmem() / MIB) * (REAL_MEMORY_USABLE_PERCENT / 100)) / hostCount);
  const realMemoryMib =
    options.realMemoryMib === undefined ? shareMib : wholeMib(options.realMemoryMib, "--real-memory-mib");
  const memoryMib =
    options.memoryMib === undefined
      ? Math.min(HOST_MEMORY_MIB_DEFAULT, realMemoryMib)
      : wholeMib(options.memoryMib, "--memory-mib");
  return { memoryMib, realMemoryMib };
}

function wholeMib(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${flag} must be a positive whole number of MiB, not "${text}"`);
  return value;
}

/**
 * Stops the scheduler first, then the hosts: with nowhere to migrate to, each host saves its guests
 * under XSIM_HOME/state/HOST (as xendomains does at system shutdown) and `xsim up` restores them.
 */
export async function down(state: ClusterState): Promise<void> {
  if (state.schedulerPid) await stopProcess(state.schedulerPid);
  await Promise.all(state.hosts.map((h) => stopProcess(h.pid, SHUTDOWN_GRACE_MS)));
  await stopProcess(state.natsPid);
  removeClusterState();
}

async function waitForTcp(port: number, logPath: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" }, () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not open port ${port} (log: ${logPath})`);
}
