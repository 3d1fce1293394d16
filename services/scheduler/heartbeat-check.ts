import type { Heartbeat, HeartbeatCpupool } from "../contracts/heartbeat.js";
import { CPUPOOL_COUNT_MAX } from "../core/sched/index.js";
import { CPUPOOL_NAME_PATTERN } from "../dom0/cpupool.js";
import { HOST_ID_PATTERN, SUBJECT_PREFIX } from "../contracts/subjects.js";
import { HostEntrySlot } from "./cluster-view.js";
import type { SubjectMemo } from "../contracts/bus.js";

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

/**
 * What the last believed heartbeat on a subject showed of what the patterns test, and the heartbeat
 * itself when nobody can change it (frozen, its cpupools too: a host's in one process), or an
 * earlier believed one that shows every value it does but the sequence, the time and the real
 * memory (what isBelievedAgain does not compare: the answers are the same either way). Made with
 * new: a class has no allocation site for V8 to pretenure (core/clock.ts TimerRecord). It is also
 * the slot where the scheduler's view keeps the subject's host entry for its next heartbeat
 * (ClusterView.onHeartbeat): one object per host read per heartbeat, not two.
 */
class Believed extends HostEntrySlot {
  /** Until another record takes its subject's place (HeartbeatCheck.remember, or the map cleared). */
  current = true;

  constructor(
    /** The check and the subject whose record it is (a SubjectMemo holds it for them alone). */
    readonly check: HeartbeatCheck,
    readonly subject: string,
    /** hostIdOfSubject of the subject (the payload's hostId equals it). */
    readonly hostId: string,
    readonly address: string,
    readonly poolNames: readonly string[],
    public frozen: Heartbeat | undefined,
  ) {
    super();
  }

  get viewSlot(): HostEntrySlot {
    return this;
  }
}

/**
 * heartbeatRejection for a stream of heartbeats (the scheduler's): the same answer for every
 * payload, with less work for what the subject's last believed heartbeat already showed. A payload
 * whose every value but sequence, timeMs and realMemoryUsedBytes equals those of the last believed
 * one, when that one is frozen (it cannot have changed since), passes each of their checks again
 * (each depends on those values alone: the ranges, the patterns, the pools' sum against pcpus), so
 * only those three are checked (an idle host's heartbeat a second); any other payload runs every check as
 * heartbeatRejection does, in the same order, with the same words, except that a pattern's test is
 * skipped for a string equal to one that passed it.
 */
export class HeartbeatCheck {
  private readonly believed = new Map<string, Believed>();
  /**
   * The view slot of the subject of the heartbeat `rejection` last believed (each subject has its
   * own; a new one when its record is made again), for the caller to pass to ClusterView.onHeartbeat.
   */
  lastViewSlot: HostEntrySlot | undefined;

  /**
   * `vouchedFrozen`: the bus vouches that `payload` is deep-frozen (JsonHandler's `frozen`), so
   * Object.isFrozen need not be asked (a call into the runtime for each heartbeat). `memo`: the
   * bus's SubjectMemo for this subject, where the subject's record is kept and found again without
   * the lookup by subject (the same record the lookup would find).
   */
  rejection(
    subject: string,
    payload: unknown,
    vouchedFrozen = false,
    memo?: SubjectMemo,
  ): string | undefined {
    this.lastViewSlot = undefined;
    const kept = memo?.kept;
    const known =
      kept instanceof Believed && kept.check === this && kept.subject === subject && kept.current
        ? kept
        : this.believed.get(subject);
    const frozen = known?.frozen;
    if (frozen !== undefined && isBelievedAgain(payload, frozen)) {
      // `frozen` stays the one compared with while the newest is frozen too: it shows every value
      // the newest does but those isBelievedAgain does not compare (no new young object stored in
      // the old record per heartbeat: a write barrier's remembered-set insertion each).
      const beat = payload as Heartbeat;
      const deepFrozen =
        vouchedFrozen || (Object.isFrozen(beat) && (beat.cpupools === frozen.cpupools || isDeepFrozen(beat)));
      if (!deepFrozen) known!.frozen = undefined;
      this.lastViewSlot = known!.viewSlot;
      if (memo !== undefined && kept !== known) memo.kept = known;
      return undefined;
    }
    const rejection = rejectionOf(subject, payload, known);
    if (rejection === undefined) {
      const record = this.remember(subject, payload as Heartbeat, known, vouchedFrozen);
      if (memo !== undefined) memo.kept = record;
    }
    return rejection;
  }

  /** Notes what a believed heartbeat showed (the pool names of `known` kept while the same): the subject's record. */
  private remember(
    subject: string,
    beat: Heartbeat,
    known: Believed | undefined,
    vouchedFrozen: boolean,
  ): Believed {
    const pools = beat.cpupools ?? [];
    const frozen = vouchedFrozen || isDeepFrozen(beat) ? beat : undefined;
    if (known !== undefined && known.address === beat.address && sameNames(pools, known.poolNames)) {
      known.frozen = frozen;
      this.lastViewSlot = known.viewSlot;
      return known;
    }
    if (known !== undefined) known.current = false;
    else if (this.believed.size >= KNOWN_SUBJECT_COUNT_MAX) {
      for (const record of this.believed.values()) record.current = false;
      this.believed.clear();
    }
    const record = new Believed(
      this,
      subject,
      beat.hostId,
      beat.address,
      pools.map((pool) => pool.name),
      frozen,
    );
    this.believed.set(subject, record);
    this.lastViewSlot = record.viewSlot;
    return record;
  }
}

/** Whether nothing of `beat` the check reads can change: it is frozen, and so are its pools. */
function isDeepFrozen(beat: Heartbeat): boolean {
  if (!Object.isFrozen(beat)) return false;
  const pools: unknown = beat.cpupools;
  if (pools === undefined) return true;
  if (!Array.isArray(pools) || !Object.isFrozen(pools)) return false;
  for (const pool of pools) if (!Object.isFrozen(pool)) return false;
  return true;
}

/**
 * The host process's real memory (`xsim host-list`'s Real(MiB)): optional, else a whole number of
 * bytes (a repeat carries a new one, so isBelievedAgain checks it too).
 */
function realMemoryRejection(bytes: unknown): string | undefined {
  if (bytes === undefined) return undefined;
  return integerOutside(bytes, "realMemoryUsedBytes", 0, Number.MAX_SAFE_INTEGER);
}

/**
 * Whether `payload` shows every value `last` (believed, frozen) does but sequence, timeMs and
 * realMemoryUsedBytes (so passes every check but theirs again), and those three pass theirs. Strict
 * equality: NaN equals nothing, and a value of another type never equals a believed one.
 */
function isBelievedAgain(payload: unknown, last: Heartbeat): boolean {
  if (typeof payload !== "object" || payload === null) return false;
  const beat = payload as Partial<Record<keyof Heartbeat, unknown>>;
  if (!(
    beat.hostId === last.hostId &&
    beat.address === last.address &&
    beat.hvm === last.hvm &&
    beat.intervalMs === last.intervalMs &&
    beat.pcpus === last.pcpus &&
    beat.totalMemoryKib === last.totalMemoryKib &&
    beat.freeMemoryKib === last.freeMemoryKib &&
    beat.domainCount === last.domainCount &&
    beat.vcpusAllocated === last.vcpusAllocated &&
    beat.migrationsOutbound === last.migrationsOutbound &&
    beat.migrationsInbound === last.migrationsInbound &&
    beat.listVersion === last.listVersion &&
    samePools(beat.cpupools, last.cpupools)
  ))
    return false;
  const sequence = beat.sequence;
  const timeMs = beat.timeMs;
  return (
    realMemoryRejection(beat.realMemoryUsedBytes) === undefined &&
    typeof sequence === "number" &&
    Number.isInteger(sequence) &&
    sequence >= 0 &&
    sequence <= Number.MAX_SAFE_INTEGER &&
    typeof timeMs === "number" &&
    Number.isFinite(timeMs)
  );
}

/** Whether `cpupools` is `last`'s (the same frozen list: a host sends it again while unchanged), or lists the same values. */
function samePools(cpupools: unknown, last: readonly HeartbeatCpupool[] | undefined): boolean {
  if (cpupools === last) return true;
  if (last === undefined || !Array.isArray(cpupools) || cpupools.length !== last.length) return false;
  for (let i = 0; i < last.length; i++) {
    const pool: unknown = cpupools[i];
    if (typeof pool !== "object" || pool === null) return false;
    const entry = pool as Partial<Record<keyof HeartbeatCpupool, unknown>>;
    const believed = last[i]!;
    if (
      entry.name !== believed.name ||
      entry.pcpus !== believed.pcpus ||
      entry.vcpusAllocated !== believed.vcpusAllocated
    )
      return false;
  }
  return true;
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
    (typeof beat.timeMs === "number" && Number.isFinite(beat.timeMs)
      ? undefined
      : "timeMs is not a number") ??
    realMemoryRejection(beat.realMemoryUsedBytes)
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
