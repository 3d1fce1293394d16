import type { SchedDomainParams, SchedPoolParams, SchedulerName } from "../core/sched/index.js";
import { ToolstackError } from "./errors.js";
import type { DomainRecord, Toolstack } from "./toolstack.js";
import { toToolstackError } from "./xen-error-map.js";

/** The host's one CPU pool (xensim has no cpupool-create): every pCPU and every domain. */
export const CPUPOOL_NAME = "Pool-0";
/** credit's vcpu_migr_delay_us: xensim keeps Xen's default and does not model it. */
export const CREDIT_MIGRATION_DELAY_US = 0;

/**
 * `xl sched-credit` / `xl sched-credit2` talk to one scheduler; on a host running the other, libxl
 * refuses ("libxl_domain_sched_params_get returned credit2 not credit"), and so does xensim.
 */
export function requireScheduler(toolstack: Toolstack, name: SchedulerName): void {
  const running = toolstack.hypervisor.schedulerName;
  if (running !== name) {
    throw new ToolstackError(
      "FAILED_PRECONDITION",
      `host ${toolstack.spec.hostId} runs the ${running} scheduler, not ${name}: use sched-${running}`,
    );
  }
}

export interface DomainSchedParams {
  record: DomainRecord;
  params: SchedDomainParams;
}

/** `xl sched-credit[2] [-d dom]`: weight and cap of the named domain, or of every domain. */
export function domainSchedParams(
  toolstack: Toolstack,
  name: SchedulerName,
  ref: string | undefined,
): DomainSchedParams[] {
  requireScheduler(toolstack, name);
  const records =
    ref === undefined
      ? [...toolstack.records.values()].sort((a, b) => a.domid - b.domid)
      : [toolstack.requireDomain(ref)];
  return records.map((record) => ({ record, params: toolstack.hypervisor.schedParams(record.domid) }));
}

/** `xl sched-credit[2] -d dom -w W -c CAP`: refuses whole; the config keeps what now applies. */
export function setDomainSchedParams(
  toolstack: Toolstack,
  name: SchedulerName,
  ref: string,
  params: Partial<SchedDomainParams>,
): DomainSchedParams {
  requireScheduler(toolstack, name);
  const record = toolstack.requireDomain(ref);
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

/** `xl sched-credit[2] -s`: the pool's parameters. */
export function poolSchedParams(toolstack: Toolstack, name: SchedulerName): SchedPoolParams {
  requireScheduler(toolstack, name);
  return toolstack.hypervisor.schedPoolParams();
}

/** `xl sched-credit -s -t MS -r US` / `xl sched-credit2 -s -r US`: refuses whole. */
export function setPoolSchedParams(
  toolstack: Toolstack,
  name: SchedulerName,
  params: Partial<SchedPoolParams>,
): SchedPoolParams {
  requireScheduler(toolstack, name);
  try {
    toolstack.hypervisor.setSchedPoolParams(params);
  } catch (error) {
    throw toToolstackError(error);
  }
  return toolstack.hypervisor.schedPoolParams();
}
