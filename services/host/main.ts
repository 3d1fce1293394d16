import { parseArgs } from "node:util";
import { totalmem } from "node:os";
import { MIB } from "../core/units.js";
import { HOST_CHUNK_POOL } from "../core/memory/page-store.js";
import { returnDroppedMemory } from "../wiring/memory-return.js";
import { HOST_SPEC_DEFAULT, DOM0_SPEC_DEFAULT } from "../core/host-spec.js";
import { HOST_ID_PATTERN } from "../contracts/subjects.js";
import { HostService } from "../wiring/host-service.js";
import { HEARTBEAT_INTERVAL_MS_DEFAULT } from "../contracts/heartbeat.js";
import { SCHEDULER_NAMES, type SchedulerName } from "../core/sched/index.js";
import { SCHEDULER_DEFAULT } from "../core/hypervisor.js";
import {
  ON_SHUTDOWN_MODES,
  defaultStateDir,
  restoreGuests,
  stopGuests,
  type OnShutdownMode,
} from "../wiring/host-lifecycle.js";
import { NUMA_NODE_COUNT_MAX } from "../core/numa.js";
import { ConfinedPaths } from "../dom0/confined-paths.js";
import { applySecurityFlags, SECURITY_FLAG_OPTIONS } from "../transport/tls/security-flags.js";
import type { ClusterSecurity } from "../transport/tls/cluster-credentials.js";

/**
 * The bus, the cluster's state store (names are unique in the cluster) and HA's statefile (the
 * lease, docs/specs/ha.md §3), all on the same nats-server. The NATS client is loaded only when
 * --nats is given: a host without it does not carry it in its memory.
 */
async function connectNats(servers: string, hostId: string, security: ClusterSecurity) {
  const [{ NatsBus }, { NatsKvStore }, { NatsStatefile }, { natsClientOptions }] = await Promise.all([
    import("../transport/bus/nats-bus.js"),
    import("../transport/kv/nats-kv-store.js"),
    import("../transport/bus/nats-statefile.js"),
    import("../transport/tls/nats-client.js"),
  ]);
  const bus = await NatsBus.connect({
    servers,
    name: `xsim-host-${hostId}`,
    security: natsClientOptions(security),
  });
  const store = await NatsKvStore.open(bus.connection);
  return { bus, store, statefile: new NatsStatefile(bus.connection) };
}

/** `node dist/services/host/main.js --host-id h1 --listen 127.0.1.1:0 --nats nats://127.0.0.1:4222` */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "host-id": { type: "string" },
      listen: { type: "string", default: "127.0.0.1:0" },
      // host:port other hosts are told to use instead of the bound address (e.g. a proxy in front).
      advertise: { type: "string" },
      nats: { type: "string" },
      pcpus: { type: "string", default: String(HOST_SPEC_DEFAULT.pcpuCount) },
      // NUMA nodes the pCPUs and memory split into (core/numa.ts), 1..min(pcpus, 64).
      "numa-nodes": { type: "string", default: "1" },
      "memory-mib": { type: "string", default: String(HOST_SPEC_DEFAULT.memoryMib) },
      "dom0-memory-mib": { type: "string", default: String(DOM0_SPEC_DEFAULT.memoryMib) },
      "dom0-vcpus": { type: "string", default: String(DOM0_SPEC_DEFAULT.vcpus) },
      "no-hvm": { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      "heartbeat-ms": { type: "string", default: String(HEARTBEAT_INTERVAL_MS_DEFAULT) },
      // Xen's sched= boot option: the vCPU scheduler, credit2 (Xen's default since 4.12) or credit.
      sched: { type: "string", default: SCHEDULER_DEFAULT },
      // xendomains: where guests are saved on SIGTERM and restored from at start.
      "state-dir": { type: "string" },
      // What SIGTERM does with the guests: xendomains (migrate away, else save) or destroy.
      "on-shutdown": { type: "string", default: "xendomains" },
      // The real memory this host's guest pages may take (default: all the machine has).
      "real-memory-mib": { type: "string", default: String(Math.floor(totalmem() / MIB)) },
      // Let `xsim fault` crash domains and arm migration faults (docs/specs/fault-injection.md).
      "allow-fault-injection": { type: "boolean", default: false },
      // The cluster credentials of this host (<pki>/hosts/<host-id>/), or --insecure.
      ...SECURITY_FLAG_OPTIONS,
      // More directories file verbs (save, restore) may use besides --state-dir (repeatable).
      "allow-dir": { type: "string", multiple: true, default: [] },
    },
  });
  const hostId = values["host-id"] ?? "host1";
  if (!HOST_ID_PATTERN.test(hostId))
    throw new Error(`--host-id "${hostId}": use letters, digits, - and _ only`);
  const onShutdown = onShutdownMode(values["on-shutdown"]);
  const stateDir = values["state-dir"] ?? defaultStateDir(hostId);
  const security = applySecurityFlags(values, "host", hostId);
  const { bus, store, statefile } = values.nats ? await connectNats(values.nats, hostId, security) : {};
  const service = new HostService({
    security,
    spec: {
      hostId,
      pcpuCount: positive(values.pcpus, "--pcpus"),
      memoryMib: positive(values["memory-mib"], "--memory-mib"),
      hvmCapable: !values["no-hvm"],
      cpuMhz: HOST_SPEC_DEFAULT.cpuMhz,
      numaNodeCount: numaNodes(values["numa-nodes"], values.pcpus),
    },
    dom0: {
      memoryMib: positive(values["dom0-memory-mib"], "--dom0-memory-mib"),
      vcpus: positive(values["dom0-vcpus"], "--dom0-vcpus"),
    },
    seed: positive(values.seed, "--seed"),
    files: new ConfinedPaths(stateDir, values["allow-dir"]),
    listenAddress: values.listen,
    ...(values.advertise ? { advertiseAddress: values.advertise } : {}),
    bus,
    ...(store ? { store } : {}),
    heartbeatIntervalMs: positive(values["heartbeat-ms"], "--heartbeat-ms"),
    scheduler: schedulerName(values.sched),
    // HA's lease lives in the JetStream KV bucket of the same nats-server (docs/specs/ha.md §3).
    ...(statefile ? { statefile } : {}),
    faultInjectionAllowed: values["allow-fault-injection"],
  });
  service.toolstack.realMemoryByteCountMax = positive(values["real-memory-mib"], "--real-memory-mib") * MIB;
  await service.start();
  returnDroppedMemory(HOST_CHUNK_POOL);
  process.stdout.write(
    `${JSON.stringify({ ready: true, hostId, address: service.boundAddress, pid: process.pid })}\n`,
  );
  // xendomains start: the guests saved at the last shutdown run again; a SIGTERM meanwhile waits for it.
  const restored = onShutdown === "xendomains" ? restoreGuests(service, stateDir) : Promise.resolve([]);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    restored
      .catch(() => [])
      .then(() => stopGuests(service, onShutdown, stateDir))
      .then(() => service.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(
            `${hostId}: shutdown: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function onShutdownMode(text: string): OnShutdownMode {
  const mode = ON_SHUTDOWN_MODES.find((known) => known === text);
  if (mode === undefined) throw new Error(`--on-shutdown "${text}": use ${ON_SHUTDOWN_MODES.join(" or ")}`);
  return mode;
}

function schedulerName(text: string): SchedulerName {
  const name = SCHEDULER_NAMES.find((known) => known === text);
  if (name === undefined) throw new Error(`--sched "${text}": use ${SCHEDULER_NAMES.join(" or ")}`);
  return name;
}

function numaNodes(text: string, pcpus: string): number {
  const count = positive(text, "--numa-nodes");
  const countMax = Math.min(NUMA_NODE_COUNT_MAX, Number(pcpus));
  if (count > countMax) throw new Error(`--numa-nodes ${count}: 1..${countMax} (each node needs a pCPU)`);
  return count;
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${flag} must be a positive integer, not "${text}"`);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`xsim-host: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
