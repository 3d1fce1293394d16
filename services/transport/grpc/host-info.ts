import type { HostInfo } from "../../gen/xensim/v1/host.js";
import type { Toolstack } from "../../dom0/toolstack.js";
import { XEN_VERSION, xenCaps } from "../../core/host-spec.js";
import { NUMA_DISTANCE_LOCAL, NUMA_DISTANCE_REMOTE } from "../../core/numa.js";
import { PAGE_SIZE_BYTES, MIB } from "../../core/units.js";
import { HOST_CHUNK_POOL } from "../../core/memory/page-store.js";

/** `xl info`: the keys tools/xl/xl_info.c prints, memory in MiB. */
export function hostInfo(toolstack: Toolstack, hostname: string): HostInfo {
  const spec = toolstack.spec;
  const frames = toolstack.hypervisor.frames;
  const freeBytes = frames.frameCountFreeNow * PAGE_SIZE_BYTES;
  return {
    host: hostname,
    release: "6.1.0-xensim",
    version: "#1 SMP xensim",
    machine: "x86_64",
    nrCpus: spec.pcpuCount,
    maxCpuId: spec.pcpuCount - 1,
    nrNodes: toolstack.hypervisor.numa.length,
    coresPerSocket: toolstack.hypervisor.numa[0]!.pcpus.length,
    threadsPerCore: 1,
    cpuMhz: spec.cpuMhz,
    hwCaps: "178bf3ff:f6d8320b:2e500800:244037ff:0000000f:219c07a9:00000000:00000100",
    virtCaps: spec.hvmCapable ? "pv hvm hap shadow" : "pv",
    totalMemoryMib: Math.floor((frames.frameCountTotal * PAGE_SIZE_BYTES) / MIB),
    freeMemoryMib: Math.floor(freeBytes / MIB),
    outstandingClaimsMib: 0,
    // pCPUs in no cpupool (libxl_get_freecpus).
    freeCpus: toolstack.hypervisor.cpupools.freeCpus().length,
    xenMajor: XEN_VERSION.major,
    xenMinor: XEN_VERSION.minor,
    xenExtra: XEN_VERSION.extra,
    xenCaps: xenCaps(spec.hvmCapable),
    xenScheduler: toolstack.hypervisor.schedulerName,
    xenPagesize: PAGE_SIZE_BYTES,
    xenCommandline: `placeholder dom0_mem=${toolstack.records.get(0)?.config.memoryMib ?? 0}M`,
    domainCount: toolstack.hypervisor.domainCount,
    hostId: spec.hostId,
    hvmCapable: spec.hvmCapable,
    freeMemoryKib: freeBytes / 1024,
    realMemoryUsedBytes: HOST_CHUNK_POOL.byteCountHeld,
    realMemoryClaimedBytes: toolstack.realMemoryClaimedByteCount(),
    realMemoryBudgetBytes: Number.isFinite(toolstack.realMemoryByteCountMax)
      ? toolstack.realMemoryByteCountMax
      : 0,
    faultInjectionAllowed: false,
    ...numaInfo(toolstack),
  };
}

/** xl info -n: one socket per node, one core per pCPU numbered within its socket. */
function numaInfo(toolstack: Toolstack): Pick<HostInfo, "cpuTopology" | "numaInfo"> {
  const layout = toolstack.hypervisor.numa;
  const usedKib = toolstack.hypervisor.numaUsedKib();
  return {
    cpuTopology: layout.flatMap((node) =>
      node.pcpus.map((cpu, core) => ({ cpu, core, socket: node.node, node: node.node })),
    ),
    numaInfo: layout.map((node, index) => ({
      node: node.node,
      memsizeMib: node.memoryMib,
      memfreeMib: Math.floor((node.memoryMib * 1024 - usedKib[index]!) / 1024),
      distances: layout.map((other) =>
        other.node === node.node ? NUMA_DISTANCE_LOCAL : NUMA_DISTANCE_REMOTE,
      ),
    })),
  };
}
