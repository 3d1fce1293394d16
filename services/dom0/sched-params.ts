import type { SchedDomainParams, SchedPoolParams, SchedulerName } from "../core/sched/index.js";
import { CPUPOOL_ID_POOL0 } from "../core/sched/index.js";
import { type CpupoolEntry, domainsIn, listCpupools, requireCpupool } from "./cpupool.js";
import { ToolstackError } from "./errors.js";
import type { DomainRecord, Toolstack } from "./toolstack.js";
import { toToolstackError } from "./xen-error-map.js";

/** credit's vcpu_migr_delay_us: xensim keeps Xen's default and does not model it. */
export const CREDIT_MIGRATION_DELAY_US = 0;

/**
 * `xl sched-credit` / `xl sched-credit2` talk to one scheduler; for a domain or pool running the
 * other, libxl refuses ("libxl_domain_sched_params_get returned credit2 not credit"), and so does
 * xensim, naming the pool. `what` names the domain or pool asked about.
 */
export function requirePoolScheduler(
  toolstack: Toolstack,
  pool: CpupoolEntry,
  name: SchedulerName,
  what: string,
): void {
  if (pool.scheduler === name) return;
  const where = pool.poolId === CPUPOOL_ID_POOL0 ? `host ${toolstack.spec.hostId}` : `cpupool ${pool.name}`;
  throw new ToolstackError(
    "FAILED_PRECONDITION",
    `${what}: ${where} runs the ${pool.scheduler} scheduler, not ${name}: use sched-${pool.scheduler}`,
  );
}

export function poolOf(toolstack: Toolstack, record: DomainRecord): CpupoolEntry {
  return requireCpupool(toolstack, String(toolstack.hypervisor.domainCpupool(record.domid)));
}

/** Pool-0, or the pool named with -p. */
function namedPool(toolstack: Toolstack, poolRef: string | undefined): CpupoolEntry {
  return requireCpupool(
    toolstack,
    poolRef === undefined || poolRef === "" ? String(CPUPOOL_ID_POOL0) : poolRef,
  );
}

export interface DomainSchedParams {
  record: DomainRecord;
  params: SchedDomainParams;
}

/** `xl sched-credit[2] [-d dom]`: weight and cap of the named domain, or of every domain of Pool-0. */
export function domainSchedParams(
  toolstack: Toolstack,
  name: SchedulerName,
  ref: string | undefined,
): DomainSchedParams[] {
  if (ref === undefined) return schedSections(toolstack, name, String(CPUPOOL_ID_POOL0))[0]!.domains;
  const record = toolstack.requireDomain(ref);
  requirePoolScheduler(toolstack, poolOf(toolstack, record), name, `domain ${record.name}`);
  return [{ record, params: toolstack.hypervisor.schedParams(record.domid) }];
}

export interface SchedSection {
  pool: CpupoolEntry;
  params: SchedPoolParams;
  domains: DomainSchedParams[];
}

/**
 * `xl sched-credit[2] [-p pool]` (xl_sched.c sched_domain_output): each pool running this scheduler
 * (or the named one), its parameters and its domains. A host with no such pool is refused.
 */
export function schedSections(toolstack: Toolstack, name: SchedulerName, poolRef?: string): SchedSection[] {
  const pools =
    poolRef === undefined || poolRef === ""
      ? listCpupools(toolstack).filter((pool) => pool.scheduler === name)
      : [requireCpupool(toolstack, poolRef)];
  if (pools.length === 0)
    requirePoolScheduler(toolstack, namedPool(toolstack, undefined), name, "sched-" + name);
  for (const pool of pools) requirePoolScheduler(toolstack, pool, name, `cpupool ${pool.name}`);
  return pools.map((pool) => ({
    pool,
    params: toolstack.hypervisor.schedPoolParams(pool.poolId),
    domains: domainsIn(toolstack, pool.poolId).map((record) => ({
      record,
      params: toolstack.hypervisor.schedParams(record.domid),
    })),
  }));
}

/** `xl sched-credit[2] -d dom -w W -c CAP`: refuses whole; the config keeps what now applies. */
export function setDomainSchedParams(
  toolstack: Toolstack,
  name: SchedulerName,
  ref: string,
  params: Partial<SchedDomainParams>,
): DomainSchedParams {
  const record = toolstack.requireDomain(ref);
  requirePoolScheduler(toolstack, poolOf(toolstack, record), name, `domain ${record.name}`);
  if (toolstack.isMigrating(record.domid))
    throw new ToolstackError("FAILED_PRECONDITION", `domain ${record.name} is being migrated`);
  try {
    toolstack.hypervisor.setSchedParams(record.domid, params);
  } catch (error) {
    throw toToolstackError(error);
  }
  const applied = toolstack.hypervisor.schedParams(record.domid);
  record.config = { ...record.config, cpuWeight: applied.weight, cap: applied.cap };
  return { record, params: applied };
}

/** `xl sched-credit[2] -s [-p pool]`: the pool's parameters (Pool-0 by default). */
export function poolSchedParams(
  toolstack: Toolstack,
  name: SchedulerName,
  poolRef?: string,
): SchedPoolParams {
  const pool = namedPool(toolstack, poolRef);
  requirePoolScheduler(toolstack, pool, name, `cpupool ${pool.name}`);
  return toolstack.hypervisor.schedPoolParams(pool.poolId);
}

/** `xl sched-credit -s [-p pool] -t MS -r US` / `xl sched-credit2 -s [-p pool] -r US`: refuses whole. */
export function setPoolSchedParams(
  toolstack: Toolstack,
  name: SchedulerName,
  params: Partial<SchedPoolParams>,
  poolRef?: string,
): SchedPoolParams {
  const pool = namedPool(toolstack, poolRef);
  requirePoolScheduler(toolstack, pool, name, `cpupool ${pool.name}`);
  try {
    toolstack.hypervisor.setSchedPoolParams(params, pool.poolId);
  } catch (error) {
    throw toToolstackError(error);
  }
  return toolstack.hypervisor.schedPoolParams(pool.poolId);
}
