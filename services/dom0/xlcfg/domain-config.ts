/**
 * A validated domain configuration, built from an xl.cfg file by build.ts. Plain JSON:
 * it travels over gRPC/NATS and is saved with the domain. Sizes are MiB as xl.cfg states them.
 */
export type DomainType = "pv" | "pvh" | "hvm";

export type LifecycleAction =
  | "destroy"
  | "restart"
  | "rename-restart"
  | "preserve"
  | "coredump-destroy"
  | "coredump-restart"
  | "soft-reset";

export interface DiskSpec {
  target: string;
  format: "raw" | "qcow" | "qcow2" | "vhd" | "qed";
  vdev: string;
  access: "rw" | "ro";
  devtype: "disk" | "cdrom";
  backend: string;
  backendtype?: "phy" | "qdisk" | "standalone" | "tap";
  script?: string;
}

export interface VifSpec {
  devid: number;
  mac: string;
  bridge: string;
  model?: string;
  type?: "ioemu" | "vif";
  vifname?: string;
  script: string;
  ip?: string;
  backend: string;
  rate?: string;
  mtu: number;
}

export interface DomainConfig {
  name: string;
  uuid?: string;
  type: DomainType;
  memoryMib: number;
  maxmemMib: number;
  vcpus: number;
  maxvcpus: number;
  cpus?: string | string[];
  cpusSoft?: string | string[];
  cpuWeight: number;
  cap: number;
  pool?: string;
  onPoweroff: LifecycleAction;
  onReboot: LifecycleAction;
  onWatchdog: LifecycleAction;
  onCrash: LifecycleAction;
  onSoftReset: LifecycleAction;
  kernel?: string;
  ramdisk?: string;
  cmdline?: string;
  bootloader?: string;
  firmware?: string;
  boot?: string;
  nomigrate: boolean;
  disks: DiskSpec[];
  vifs: VifSpec[];
  xsim: {
    workload?: string;
    /** What the vCPUs ask of the CPU: `cpu`, `io:burst=1ms,sleep=10ms`, `idle`, `bursty:on=..,off=..`. */
    cpu?: string;
    os?: string;
    ha?: "restart" | "best-effort";
    seed?: number;
    /** Placement: keep this domain with (affinity) or apart from (anti-affinity) its group. */
    affinity?: string;
    antiAffinity?: string;
    /** Split-driver I/O load, e.g. `net:tx=20MB/s,rx=5MB/s;disk:read=100iops,write=50iops,size=4K`. */
    io?: string;
    /** PV drivers in the guest; unset: yes for PV/PVH, no for HVM (QEMU emulates its devices). */
    pvDrivers?: boolean;
  };
  /** Keys we accept but do not model (sdl, vnc, viridian, ...), as plain JSON values. */
  other: Record<string, unknown>;
}

export const LIFECYCLE_ACTIONS: readonly LifecycleAction[] = [
  "destroy",
  "restart",
  "rename-restart",
  "preserve",
  "coredump-destroy",
  "coredump-restart",
  "soft-reset",
];

/** The backend domain of a device when the config names none: dom0 (xl.cfg(5), xl-disk-configuration(5)). */
export const BACKEND_DOMAIN_DEFAULT = "Domain-0";
