/** One kind of request on a device (tx or rx packets, read or write requests), since it connected. */
export interface IoOpCounters {
  requestCount: number;
  byteCount: number;
  /** Σ of completed requests' latency: queueing for Dom0 CPU, the CPU itself, the fixed part. */
  latencyNsTotal: number;
  /** Dom0 CPU the backend (or QEMU) spent serving them. */
  dom0CpuNs: number;
}

/** One ring (or emulated queue), since the device connected. */
export interface IoRingCounters {
  /** The producer found the ring full with requests waiting (each time it had to stop). */
  ringFullCount: number;
  /** The frontend had ring slots but no free grant entries (max_grant_frames reached). */
  grantExhaustedCount: number;
  /** Requests the guest could not even queue (its queue was at its limit): dropped or never issued. */
  overflowCount: number;
  /** Event channel notifications: frontend -> backend (requests), backend -> frontend (responses). */
  notifyToBackendCount: number;
  notifyToFrontendCount: number;
}

/** A ring's counters and what is on it now. */
export interface IoRingStats extends IoRingCounters {
  slotCount: number;
  requestCountInFlight: number;
  /** Grant entries the requests on the ring hold (0 for an emulated device). */
  grantEntryCountInUse: number;
}

export function emptyOpCounters(): IoOpCounters {
  return { requestCount: 0, byteCount: 0, latencyNsTotal: 0, dom0CpuNs: 0 };
}

export function emptyRingCounters(): IoRingCounters {
  return {
    ringFullCount: 0,
    grantExhaustedCount: 0,
    overflowCount: 0,
    notifyToBackendCount: 0,
    notifyToFrontendCount: 0,
  };
}

export function averageLatencyNs(counters: IoOpCounters): number {
  return counters.requestCount === 0 ? 0 : counters.latencyNsTotal / counters.requestCount;
}
