import type { HaServer } from "../../gen/xensim/v1/ha.js";
import type { Statefile } from "../../contracts/statefile.js";
import type { HaMonitor } from "../../scheduler/ha-monitor.js";
import type { Clock } from "../../core/clock.js";
import { disableHaOn, enableHaOn, haStatusOn } from "../../scheduler/ha-admin.js";
import { unary } from "./status.js";
import { declareHostDead } from "../../scheduler/declare-dead.js";
import { resetPowerState } from "../../scheduler/reset-powerstate.js";

/**
 * The scheduler's Ha service: `xsim ha-enable`, `ha-disable`, `ha-status` (docs/specs/ha.md §1),
 * `host-declare-dead` (§7), `vm-reset-powerstate` (§8).
 */
export function haServer(monitor: HaMonitor, statefile: Statefile, clock: Clock): HaServer {
  return {
    enable: unary((request) => enableHaOn(monitor, statefile, request, clock)),
    disable: unary(() => disableHaOn(monitor, statefile, () => clock.nowMs())),
    status: unary(() => haStatusOn(monitor, clock)),
    declareDead: unary((request) => declareHostDead(monitor, statefile, request.hostId)),
    resetPowerState: unary((request) => resetPowerState(monitor, statefile, request.name, request.force)),
  };
}
