import { CreditPolicy } from "./credit/credit-policy.js";
import { Credit2Policy } from "./credit2/credit2-policy.js";
import { RtdsPolicy } from "./rtds/rtds-policy.js";
import type { SchedPolicy, SchedulerName } from "./policy.js";

/** A fresh policy of the named scheduler (Xen's `sched=` boot option). */
export function createSchedPolicy(name: SchedulerName): SchedPolicy {
  switch (name) {
    case "credit":
      return new CreditPolicy();
    case "credit2":
      return new Credit2Policy();
    case "rtds":
      return new RtdsPolicy();
  }
}
