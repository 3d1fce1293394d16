import type { DomainInfo } from "../gen/xensim/v1/host.js";
import { settleWithinMs } from "../core/settle-within.js";
import { DOMID_DOM0 } from "../core/units.js";
import type { Scheduler } from "./scheduler.js";
import type { HostEntry } from "./cluster-view.js";
import { brokerOutageNote } from "./broker-outage.js";

/**
 * How long `xsim list` waits for one host's own list before it shows the scheduler's copy of it
 * instead: a stalled host delays the answer by this much at most, not by the gateway's deadline.
 */
export const LIST_ALL_HOST_WAIT_MS = 2000;

export interface ListedDomain {
  hostId: string;
  domain: DomainInfo;
}

/**
 * `xsim list` (ListAll) over the whole cluster: every up host's domains as the host lists them now,
 * as `xl list` reads the hypervisor (its Time(s) is the CPU time now). The scheduler's copy of a
 * host's list is refreshed only when the host says it changed (a domain event, a xenstore change:
 * its heartbeat's listVersion) or once a minute, and CPU time is not such a change: served from
 * that copy, a busy guest's Time(s) stood still for up to a minute. A host that does not answer
 * within LIST_ALL_HOST_WAIT_MS is shown from the copy. Read-only: nothing in the view changes.
 */
export async function listAll(
  scheduler: Scheduler,
): Promise<{ domains: ListedDomain[]; unreachableHostIds: string[]; brokerNote: string }> {
  const hosts = scheduler.view.upHosts();
  const lists = await Promise.all(hosts.map((host) => listNow(scheduler, host)));
  return {
    domains: hosts.flatMap((host, index) =>
      [...lists[index]!].sort((a, b) => a.domid - b.domid).map((domain) => ({ hostId: host.hostId, domain })),
    ),
    unreachableHostIds: scheduler.view.downHostIds(),
    brokerNote: brokerOutageNote(scheduler)?.note ?? "",
  };
}

/** The host's domains as it lists them now, else (no answer in time, a failure) the view's copy. */
async function listNow(scheduler: Scheduler, host: HostEntry): Promise<Iterable<DomainInfo>> {
  let listed: DomainInfo[] | undefined;
  // Without Dom0, as the scheduler's copy (one Domain-0 per host would say nothing in a cluster list).
  const asked = scheduler.options.gateway
    .list(host.address)
    .then((reply) => void (listed = reply.domains.filter((d) => d.domid !== DOMID_DOM0)));
  try {
    await settleWithinMs(scheduler.clock, asked, LIST_ALL_HOST_WAIT_MS);
  } catch {
    // A failed List: the copy will do (the reconcile's next List logs and handles the host).
  }
  return listed ?? host.domains.values();
}
