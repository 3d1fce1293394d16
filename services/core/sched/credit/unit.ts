import type { Vcpu } from "../vcpu.js";
import type { CreditPriority } from "./constants.js";

/** Credit1's per-domain record (struct csched_dom). */
export interface CreditDomain {
  readonly domid: number;
  weight: number;
  /** % of one pCPU, 0 = no cap. */
  cap: number;
  readonly units: CreditUnit[];
  /** Units on the active list: they earn credit at each accounting. */
  activeUnitCount: number;
  /** On the active domain list (active_sdom_elem not empty). */
  onActiveList: boolean;
}

/** Credit1's per-vCPU record (struct csched_unit). */
export interface CreditUnit {
  readonly vcpu: Vcpu;
  readonly domain: CreditDomain;
  /** Credit in CSCHED_CREDITS_PER_MSEC units; fractions are kept instead of Xen's residual. */
  credit: number;
  pri: CreditPriority;
  /** On the active list (consuming CPU, earning credit). */
  active: boolean;
  /** CSCHED_FLAG_UNIT_PARKED: paused for overspending its cap. */
  parked: boolean;
  /** Up to when its running time has been burnt (start_time). */
  burntToNs: number;
  /** The pCPU whose runqueue holds it, or undefined when not queued. */
  runqPcpu: number | undefined;
  /** Wake-ups that left it at BOOST (boosted then, or still boosted), for tests and statistics. */
  boostCount: number;
  /** Longest a boosted unit waited from its wake-up to running. */
  boostedWaitNsMax: number;
}
