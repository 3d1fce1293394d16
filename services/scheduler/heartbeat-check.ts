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
  return rejectionOf(subject, payload, undefined);
}

/** Subjects whose last believed heartbeat HeartbeatCheck remembers (one per host: a bound). */
const KNOWN_SUBJECT_COUNT_MAX = 10_000;

/** What the last believed heartbeat on a subject showed of what the patterns test. */
interface Believed {
  /** hostIdOfSubject of the subject. */
  hostId: string;
  address: string;
  poolNames: readonly string[];
}

/**
 * heartbeatRejection for a stream of heartbeats (the scheduler's): the same answer for every
 * payload, but the patterns (the subject's host id, the address, the pool names) are tested only
 * for strings other than those of the subject's last believed heartbeat. A pattern's test depends
 * on its string alone, so a string equal to one that passed passes again: every other check runs
 * as heartbeatRejection runs it, in the same order, with the same words.
 */
export class HeartbeatCheck {
  private readonly believed = new Map<string, Believed>();

  rejection(subject: string, payload: unknown): string | undefined {
    const known = this.believed.get(subject);
    const rejection = rejectionOf(subject, payload, known);
    if (rejection === undefined) this.remember(subject, payload as Heartbeat, known);
    return rejection;
  }

  /** Notes the patterns' strings of a believed heartbeat (a new record only when one changed). */
  private remember(subject: string, beat: Heartbeat, known: Believed | undefined): void {
    const pools = beat.cpupools ?? [];
    if (known !== undefined && known.address === beat.address && sameNames(pools, known.poolNames)) return;
    if (known === undefined && this.believed.size >= KNOWN_SUBJECT_COUNT_MAX) this.believed.clear();
    this.believed.set(subject, {
      hostId: beat.hostId,
      address: beat.address,
      poolNames: pools.map((pool) => pool.name),
    });
  }
}

function sameNames(pools: readonly HeartbeatCpupool[], names: readonly string[]): boolean {
  if (pools.length !== names.length) return false;
  for (let i = 0; i < names.length; i++) if (pools[i]!.name !== names[i]) return false;
  return true;
}

/** heartbeatRejection, each pattern's test skipped for the string `known` shows passed it. */
function rejectionOf(subject: string, payload: unknown, known: Believed | undefined): string | undefined {
  const subjectHostId = known !== undefined ? known.hostId : hostIdOfSubject(subject);
  if (subjectHostId === undefined) return `${subject} is not a heartbeat subject`;
  if (typeof payload !== "object" || payload === null) return "the payload is not a JSON object";
  const beat = payload as Partial<Record<keyof Heartbeat, unknown>>;
  if (beat.hostId !== subjectHostId)
    return `the payload names host ${JSON.stringify(beat.hostId)} but came on ${subject}`;
  if (typeof beat.address !== "string") return "address is not host:port";
  if (beat.address !== known?.address && !SIM_ADDRESS_PATTERN.test(beat.address)) {
    if (!ADDRESS_PATTERN.test(beat.address)) return "address is not host:port";
    const port = Number(beat.address.slice(beat.address.lastIndexOf(":") + 1));
    if (port < 1 || port > 65535) return `address port ${port} is out of range`;
  }
  if (typeof beat.hvm !== "boolean") return "hvm is not a boolean";
  return (
    integerOutside(beat.intervalMs, "intervalMs", HEARTBEAT_INTERVAL_MS_MIN, HEARTBEAT_INTERVAL_MS_MAX) ??
    integerOutside(beat.sequence, "sequence", 0, Number.MAX_SAFE_INTEGER) ??
    integerOutside(beat.pcpus, "pcpus", 1, PCPU_COUNT_MAX) ??
    integerOutside(beat.totalMemoryKib, "totalMemoryKib", 1, MEMORY_KIB_MAX) ??
    integerOutside(beat.freeMemoryKib, "freeMemoryKib", 0, Number(beat.totalMemoryKib)) ??
    integerOutside(beat.domainCount, "domainCount", 1, DOMAIN_COUNT_MAX) ??
    integerOutside(beat.vcpusAllocated, "vcpusAllocated", 0, Number.MAX_SAFE_INTEGER) ??
    integerOutside(beat.migrationsOutbound, "migrationsOutbound", 0, DOMAIN_COUNT_MAX) ??
    integerOutside(beat.migrationsInbound, "migrationsInbound", 0, DOMAIN_COUNT_MAX) ??
    (beat.listVersion === undefined
      ? undefined
      : integerOutside(beat.listVersion, "listVersion", 0, Number.MAX_SAFE_INTEGER)) ??
    cpupoolsRejection(beat.cpupools, Number(beat.pcpus), known?.poolNames) ??
    (typeof beat.timeMs === "number" && Number.isFinite(beat.timeMs) ? undefined : "timeMs is not a number")
  );
}

/**
 * Optional; when present, each pool has a name, no more pCPUs than the host and whole vCPU counts.
 * `knownNames[i]`: a name that passed the pattern (its test is skipped for an equal name at i).
 */
function cpupoolsRejection(
  cpupools: unknown,
  pcpuCount: number,
  knownNames: readonly string[] | undefined,
): string | undefined {
  if (cpupools === undefined) return undefined;
  if (!Array.isArray(cpupools) || cpupools.length < 1 || cpupools.length > CPUPOOL_COUNT_MAX)
    return `cpupools is not a list of 1..${CPUPOOL_COUNT_MAX} pools`;
  let pcpusTotal = 0;
  for (let i = 0; i < cpupools.length; i++) {
    const pool: unknown = cpupools[i];
    const entry = (typeof pool === "object" && pool !== null ? pool : {}) as Partial<HeartbeatCpupool>;
    if (
      typeof entry.name !== "string" ||
      (entry.name !== knownNames?.[i] && !CPUPOOL_NAME_PATTERN.test(entry.name))
    )
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
  value: unknown,
  field: keyof Heartbeat,
  min: number,
  max: number,
): string | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `${field} ${JSON.stringify(value)} is not an integer in ${min}..${max}`;
}
