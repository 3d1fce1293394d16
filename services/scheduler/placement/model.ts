/** What the placement engine knows about one host: its last heartbeat plus the scheduler's flags. */
export interface HostState {
  hostId: string;
  up: boolean;
  /** False while the host is in maintenance (`xsim host-disable`). */
  enabled: boolean;
  hvmCapable: boolean;
  pcpuCount: number;
  memoryTotalKib: number;
  memoryFreeKib: number;
  vcpusAllocated: number;
  domainCount: number;
  migrationsInFlight: number;
  migrationsMax: number;
  /** The host's CPU pools by name; absent: Pool-0 only, with every pCPU (a host before cpupools). */
  cpupools?: readonly CpupoolState[];
}

/** One CPU pool of a host, as its heartbeat reports it. */
export interface CpupoolState {
  name: string;
  pcpuCount: number;
  vcpusAllocated: number;
}

export type GuestType = "pv" | "pvh" | "hvm";

/** One domain to place. */
export interface PlacementRequest {
  name: string;
  memoryKib: number;
  vcpus: number;
  type: GuestType;
  /** Run only where this group's domains already run (if they run anywhere). */
  affinityGroup?: string;
  /** Never run where this group's domains already run. */
  antiAffinityGroup?: string;
  pinnedHostId?: string;
  /** Hosts that must not be chosen, e.g. the source host of a migration. */
  excludeHostIds?: readonly string[];
  /** Apply the migrations-in-flight filter: the domain arrives by migration. */
  countsAsMigration?: boolean;
  /** xl.cfg `pool`: only hosts with a CPU pool of this name, with room in it. */
  cpupool?: string;
}

/** Where each (anti-)affinity group's domains run now. */
export interface GroupMembership {
  hostIdsByGroup: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Everything besides the hosts that a placement depends on. */
export interface PlacementContext extends GroupMembership {
  /** vCPUs per pCPU; DEFAULT_CPU_ALLOCATION_RATIO when absent. */
  cpuAllocationRatio?: number;
}

export interface Placement {
  hostId: string;
}

/** Nova's `initial_cpu_allocation_ratio` since 2023.1 (nova/conf/compute.py); Xen never overcommits memory. */
export const DEFAULT_CPU_ALLOCATION_RATIO = 4.0;

export function cpuAllocationRatioOf(ctx: PlacementContext): number {
  return ctx.cpuAllocationRatio ?? DEFAULT_CPU_ALLOCATION_RATIO;
}
