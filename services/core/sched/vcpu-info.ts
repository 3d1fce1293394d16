import type { Vcpu, VcpuRunState } from "./vcpu.js";

/** One line of `xl vcpu-list` (libxl_vcpuinfo), as the hypervisor reports it. */
export interface VcpuInfo {
  vcpuId: number;
  /** The pCPU it runs on or last ran on; xl prints "-" for an offline vCPU. */
  pcpu: number;
  online: boolean;
  running: boolean;
  /** Waiting for an event (its guest idles); VPF_blocked. */
  blocked: boolean;
  runState: VcpuRunState;
  cpuTimeNs: number;
  hardAffinity: readonly number[];
  /** The hard affinity as xl prints a cpumap: "all" or ranges such as "0-3,5". */
  hardAffinityText: string;
}

export function vcpuInfoOf(vcpu: Vcpu): VcpuInfo {
  return {
    vcpuId: vcpu.vcpuId,
    pcpu: vcpu.pcpu,
    online: vcpu.online,
    running: vcpu.runState === "running",
    blocked: vcpu.online && vcpu.sleeping,
    runState: vcpu.runState,
    cpuTimeNs: vcpu.cpuTimeNs,
    hardAffinity: vcpu.hardAffinity.list(),
    hardAffinityText: vcpu.hardAffinity.format(),
  };
}

/** xl vcpu-list's State column (tools/xl/xl_vcpu.c): r or -, b or -, then p when offline. */
export function formatVcpuState(info: Pick<VcpuInfo, "running" | "blocked" | "online">): string {
  return `${info.running ? "r" : "-"}${info.blocked ? "b" : "-"}${info.online ? "-" : "p"}`;
}
