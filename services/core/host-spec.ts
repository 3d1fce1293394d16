/** The physical machine a simulated Xen host runs on, and the facts `xl info` reports about it. */
export interface HostSpec {
  hostId: string;
  pcpuCount: number;
  memoryMib: number;
  /** Hardware virtualisation (VT-x/AMD-V): without it the host cannot run HVM guests. */
  hvmCapable: boolean;
  cpuMhz: number;
  /** NUMA nodes the pCPUs and memory split into (core/numa.ts numaLayout); default 1. */
  numaNodeCount?: number;
}

export interface Dom0Spec {
  memoryMib: number;
  vcpus: number;
}

/** Xen version the simulated hosts report (xl info xen_major/xen_minor/xen_extra). */
export const XEN_VERSION = { major: 4, minor: 19, extra: ".0-xensim" } as const;

export const HOST_SPEC_DEFAULT: Omit<HostSpec, "hostId"> = {
  pcpuCount: 8,
  memoryMib: 16384,
  hvmCapable: true,
  cpuMhz: 2400,
};

export const DOM0_SPEC_DEFAULT: Dom0Spec = { memoryMib: 1024, vcpus: 2 };

/** `xen_caps` as Xen prints it for x86-64, with the HVM entries only where the host can run them. */
export function xenCaps(hvmCapable: boolean): string {
  const pv = "xen-3.0-x86_64 hvm-3.0-x86_32p";
  return hvmCapable ? "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64" : pv.split(" ")[0]!;
}
