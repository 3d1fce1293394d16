import { eventsPerHostPerSecond, type ClockBaselineFigures, type IdleClusterFigures } from "./simcluster.js";
import { formatSeconds, type Row } from "./table.js";

// bench:simcluster's idle half: what 1,000 idle hosts cost, measured, and what that implies, computed.

/** Issue 10: 1,000 idle hosts at >= 1,000 simulated seconds per wall second. */
export const IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL = 1000;

/** The measured cost of one idle host: wall and CPU microseconds per host per simulated second. */
export interface IdleHostCost {
  wallUsPerHostSecond: number;
  cpuUsPerHostSecond: number;
  wallUsPerEvent: number;
}

export function idleHostCost(idle: IdleClusterFigures): IdleHostCost {
  const hostSeconds = (idle.hostCount * idle.simulatedMs) / 1000;
  const events = idle.timerCountFired + idle.messageCountRelayed;
  return {
    wallUsPerHostSecond: (idle.wallMs * 1000) / hostSeconds,
    cpuUsPerHostSecond: (idle.cpuMs * 1000) / hostSeconds,
    wallUsPerEvent: (idle.wallMs * 1000) / events,
  };
}

/** The rows of one idle run: its rate, cost per host and per event, and its events per host. */
export function idleRunRows(title: string, idle: IdleClusterFigures, withGoal: boolean): Row[] {
  const rate = idle.simulatedMs / idle.wallMs;
  const cost = idleHostCost(idle);
  const hostSeconds = (idle.hostCount * idle.simulatedMs) / 1000;
  return [
    {
      figure: title,
      value: `${rate.toFixed(0)} sim-s/s`,
      ...(withGoal
        ? {
            goal: `>= ${IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL}`,
            met: rate >= IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL,
          }
        : {}),
      detail: `${formatSeconds(idle.simulatedMs)} simulated in ${formatSeconds(idle.wallMs)} wall, ${idle.timerCountFired} timers`,
    },
    {
      figure: "  per CPU second of this process",
      value: `${(idle.simulatedMs / idle.cpuMs).toFixed(0)} sim-s/CPU-s`,
      detail: `${formatSeconds(idle.cpuMs)} CPU`,
    },
    {
      figure: "  cost of one idle host",
      value: `${cost.wallUsPerHostSecond.toFixed(1)} us/host-s`,
      detail: `wall time per host per simulated second (${cost.cpuUsPerHostSecond.toFixed(1)} us of CPU)`,
    },
    {
      figure: "  events per idle host per simulated second",
      value: eventsPerHostPerSecond(idle).toFixed(2),
      detail: `${idle.timerCountFired} timers fired + ${idle.messageCountRelayed} messages relayed without a timer; ${(idle.messageCountSent / hostSeconds).toFixed(2)} messages sent per host-s`,
    },
    {
      figure: "  wall time per event",
      value: `${cost.wallUsPerEvent.toFixed(2)} us`,
      detail: "all of the run's wall time over its events",
    },
  ];
}

/**
 * Computed rows, each labelled so: the rate these events would reach if each cost what an empty
 * timer costs (hosts' timers share instants, so the clock's heap baseline, not one loop turn per
 * event, is the floor), and the budget per host that the goal leaves against what one host costs.
 */
export function idleCeilingRows(idle: IdleClusterFigures, baseline: ClockBaselineFigures): Row[] {
  const events = eventsPerHostPerSecond(idle);
  const budgetUs = 1e6 / (IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL * idle.hostCount);
  const cost = idleHostCost(idle);
  return [
    {
      figure: "  ceiling, computed: heap baseline / events per host-s / hosts",
      value: `${(baseline.heapTimersPerSecond / events / idle.hostCount).toFixed(0)} sim-s/s`,
      detail: "not measured: these events as empty timers fired by advanceMs alone",
    },
    {
      figure: "  goal's budget per idle host, computed",
      value: `${budgetUs.toFixed(2)} us/host-s`,
      detail: `not measured: 1 s / (${IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL} sim-s/s x ${idle.hostCount} hosts); an idle host costs ${(cost.wallUsPerHostSecond / budgetUs).toFixed(0)} x that (measured above)`,
    },
  ];
}
