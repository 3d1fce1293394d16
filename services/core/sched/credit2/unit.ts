import type { Vcpu } from "../vcpu.js";
import type { Credit2Runqueue } from "./runqueue.js";

/** Credit2's per-domain record (struct csched2_dom). */
export interface Credit2Domain {
  readonly domid: number;
  weight: number;
  /** % of one pCPU, 0 = no cap. */
  cap: number;
  /** CPU time left in this cap period (sdom->budget); may go below 0 by an overrun. */
  budgetNs: number;
  /** Its units are parked until the next replenishment. */
  parked: boolean;
  readonly units: Credit2Unit[];
}

/** Credit2's per-vCPU record (struct csched2_unit). */
export interface Credit2Unit {
  readonly vcpu: Vcpu;
  readonly domain: Credit2Domain;
  /** Credit in ns: the top weight burns one per ns, weight w burns max_weight / w per ns. */
  credit: number;
  /** Up to when its running time has been burnt (start_time). */
  burntToNs: number;
  /** The runqueue it belongs to (svc->rqd). */
  runqueue: Credit2Runqueue;
  /** On its runqueue's queue (waiting, not running). */
  queued: boolean;
  parked: boolean;
  /** On its runqueue's offCap list: its credit may differ from CREDIT_MAX_NS. */
  offCap: boolean;
  /** The policy that holds it (a vCPU's policyUnit may be another pool's policy's). */
  readonly owner: object;
}
