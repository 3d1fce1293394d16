/** The heartbeat payload, docs/specs/nats-subjects.md §heartbeat. */
export interface Heartbeat {
  hostId: string;
  address: string;
  sequence: number;
  timeMs: number;
  pcpus: number;
  hvm: boolean;
  totalMemoryKib: number;
  freeMemoryKib: number;
  domainCount: number;
  vcpusAllocated: number;
  migrationsOutbound: number;
  migrationsInbound: number;
  intervalMs: number;
  /** Bytes the host process holds for guest pages (in use plus its small pool); absent from older hosts. */
  realMemoryUsedBytes?: number;
  /**
   * Grows whenever the host's List reply may have changed (a domain event, a xenstore change, a
   * fence): the scheduler's reconcile lists only hosts whose version moved since it last listed
   * them (docs/specs/nats-subjects.md). Absent from older hosts: always listed.
   */
  listVersion?: number;
  /** The host's CPU pools (xl cpupool-list); absent from older hosts: Pool-0 with every pCPU. */
  cpupools?: HeartbeatCpupool[];
}

export interface HeartbeatCpupool {
  name: string;
  pcpus: number;
  /** Online vCPUs of the pool's DomUs. */
  vcpusAllocated: number;
}

export const HEARTBEAT_INTERVAL_MS_DEFAULT = 1000;
