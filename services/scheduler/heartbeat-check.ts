import type { Heartbeat, HeartbeatCpupool } from "../contracts/heartbeat.js";
import { CPUPOOL_COUNT_MAX } from "../core/sched/index.js";
import { CPUPOOL_NAME_PATTERN } from "../dom0/cpupool.js";
import { HOST_ID_PATTERN, SUBJECT_PREFIX } from "../contracts/subjects.js";

/**
 * What the scheduler checks in a heartbeat before it believes it (docs/specs/nats-subjects.md,
 * "Heartbeat"): the payload's hostId is the one in the subject (which nats-server lets only that
 * host's credential publish on), and every value is possible for a real host. A rejected
 * heartbeat changes nothing in the view.
 */
export const HEARTBEAT_INTERVAL_MS_MIN = 10;
export const HEARTBEAT_INTERVAL_MS_MAX = 60_000;
/** Far above any simulated host (Xen supports 4096 pCPUs and 16 TiB on x86). */
export const PCPU_COUNT_MAX = 4096;
export const MEMORY_KIB_MAX = 16 * 1024 * 1024 * 1024;
/** Xen's domid space (DOMID_FIRST_RESERVED = 0x7FF0). */
export const DOMAIN_COUNT_MAX = 0x7ff0;
/** A gRPC host:port, or the one-process cluster's `sim://<hostId>` (services/sim/sim-host.ts). */
const ADDRESS_PATTERN = /^[A-Za-z0-9._-]{1,253}:\d{1,5}$/;
const SIM_ADDRESS_PATTERN = /^sim:\/\/[A-Za-z0-9_-]{1,64}$/;

/** Why `payload` on `subject` is not a heartbeat to believe, or undefined when it is one. */
export function heartbeatRejection(subject: string, payload: unknown): string | undefined {
  const subjectHostId = hostIdOfSubject(subject);
  if (subjectHostId === undefined) return `${subject} is not a heartbeat subject`;
  if (typeof payload !== "object" || payload === null) return "the payload is not a JSON object";
  const beat = payload as Partial<Record<keyof Heartbeat, unknown>>;
  if (beat.hostId !== subjectHostId)
    return `the payload names host ${JSON.stringify(beat.hostId)} but came on ${subject}`;
  if (typeof beat.address !== "string") return "address is not host:port";
  if (!SIM_ADDRESS_PATTERN.test(beat.address)) {
    if (!ADDRESS_PATTERN.test(beat.address)) return "address is not host:port";
    const port = Number(beat.address.slice(beat.address.lastIndexOf(":") + 1));
    if (port < 1 || port > 65535) return `address port ${port} is out of range`;
  }
  if (typeof beat.hvm !== "boolean") return "hvm is not a boolean";
  return (
    integerOutside(beat, "intervalMs", HEARTBEAT_INTERVAL_MS_MIN, HEARTBEAT_INTERVAL_MS_MAX) ??
    integerOutside(beat, "sequence", 0, Number.MAX_SAFE_INTEGER) ??
    integerOutside(beat, "pcpus", 1, PCPU_COUNT_MAX) ??
    integerOutside(beat, "totalMemoryKib", 1, MEMORY_KIB_MAX) ??
    integerOutside(beat, "freeMemoryKib", 0, Number(beat.totalMemoryKib)) ??
    integerOutside(beat, "domainCount", 1, DOMAIN_COUNT_MAX) ??
    integerOutside(beat, "vcpusAllocated", 0, Number.MAX_SAFE_INTEGER) ??
    integerOutside(beat, "migrationsOutbound", 0, DOMAIN_COUNT_MAX) ??
    integerOutside(beat, "migrationsInbound", 0, DOMAIN_COUNT_MAX) ??
    (beat.listVersion === undefined
      ? undefined
      : integerOutside(beat, "listVersion", 0, Number.MAX_SAFE_INTEGER)) ??
    cpupoolsRejection(beat.cpupools, Number(beat.pcpus)) ??
    (typeof beat.timeMs === "number" && Number.isFinite(beat.timeMs) ? undefined : "timeMs is not a number")
  );
}

/** Optional; when present, each pool has a name, no more pCPUs than the host and whole vCPU counts. */
function cpupoolsRejection(cpupools: unknown, pcpuCount: number): string | undefined {
  if (cpupools === undefined) return undefined;
  if (!Array.isArray(cpupools) || cpupools.length < 1 || cpupools.length > CPUPOOL_COUNT_MAX)
    return `cpupools is not a list of 1..${CPUPOOL_COUNT_MAX} pools`;
  let pcpusTotal = 0;
  for (const pool of cpupools as unknown[]) {
    const entry = (typeof pool === "object" && pool !== null ? pool : {}) as Partial<HeartbeatCpupool>;
    if (typeof entry.name !== "string" || !CPUPOOL_NAME_PATTERN.test(entry.name))
      return `cpupools: ${JSON.stringify(entry.name)} is not a cpupool name`;
    const pcpus = entry.pcpus;
    const vcpus = entry.vcpusAllocated;
    if (!(Number.isInteger(pcpus) && Number(pcpus) >= 0 && Number.isInteger(vcpus) && Number(vcpus) >= 0))
      return `cpupools: ${entry.name} has no whole pcpus and vcpusAllocated`;
    pcpusTotal += Number(pcpus);
  }
  return pcpusTotal <= pcpuCount ? undefined : `cpupools hold ${pcpusTotal} pCPUs, the host has ${pcpuCount}`;
}

/** `xsim.host.<hostId>.heartbeat`, read without splitting it (once per heartbeat). */
const HEARTBEAT_SUBJECT_HEAD = `${SUBJECT_PREFIX}.host.`;
const HEARTBEAT_SUBJECT_TAIL = ".heartbeat";

function hostIdOfSubject(subject: string): string | undefined {
  if (!subject.startsWith(HEARTBEAT_SUBJECT_HEAD) || !subject.endsWith(HEARTBEAT_SUBJECT_TAIL))
    return undefined;
  const end = subject.length - HEARTBEAT_SUBJECT_TAIL.length;
  if (end < HEARTBEAT_SUBJECT_HEAD.length) return undefined; // head and tail overlap: xsim.host.heartbeat
  const hostId = subject.slice(HEARTBEAT_SUBJECT_HEAD.length, end);
  // One token: a host id has no "." (HOST_ID_PATTERN), so the subject has exactly four.
  return HOST_ID_PATTERN.test(hostId) ? hostId : undefined;
}

function integerOutside(
  beat: Partial<Record<keyof Heartbeat, unknown>>,
  field: keyof Heartbeat,
  min: number,
  max: number,
): string | undefined {
  const value = beat[field];
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `${String(field)} ${JSON.stringify(value)} is not an integer in ${min}..${max}`;
}
