import { heartbeatFloorUsPerHostSecond, measureHeartbeatFloor } from "./heartbeat-floor.js";
import { idleHostCost, IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL, runIdleInChild } from "./simcluster-idle.js";
import { formatTable, type Row } from "./table.js";

// The heartbeat's floor beside the full idle figures, measured the same minutes (issue 10's goal
// restated honestly): each full idle run in a process of its own, as bench:simcluster runs it.
// Usage: node --max-semi-space-size=32 heartbeat-floor-run.js SEED HOSTS ROUNDS SIMULATED_MS

const HEARTBEAT_INTERVALS_MS = [1000, 7000] as const;
const SEMI_SPACE_FLAG = "--max-semi-space-size=32";
/** The full idle runs' warm-up, not measured: as bench:simcluster's (the cluster's start, V8 compiling). */
const FULL_RUN_WARMUP_MS = 60_000;

async function main(): Promise<void> {
  const [seed, hostCount, roundCount, simulatedMs] = process.argv.slice(2, 6).map(Number);
  if ([seed, hostCount, roundCount, simulatedMs].some((n) => n === undefined || !Number.isInteger(n)))
    throw new Error("usage: heartbeat-floor-run.js SEED HOSTS ROUNDS SIMULATED_MS");
  const floor = await measureHeartbeatFloor(seed!, hostCount!, roundCount!);
  // The goal's budget: 1 s of CPU shared by HOSTS hosts for 1,000 simulated s.
  const budgetUs = 1e6 / (IDLE_SIM_SECONDS_PER_WALL_SECOND_GOAL * hostCount!);
  const rows: Row[] = [
    {
      figure: "one heartbeat: built, carried, checked (CPU)",
      value: `${floor.cpuUsPerHeartbeat.toFixed(2)} us`,
      detail: `${floor.eventsPerHeartbeat.toFixed(2)} events each; ${floor.heartbeatCount} heartbeats of ${hostCount} hosts`,
    },
    {
      figure: "one bare message over the sim broker (CPU)",
      value: `${floor.cpuUsPerBareMessage.toFixed(2)} us`,
      detail: `two fields, no check: the transport under any one-message heartbeat (${floor.bareMessageCountDelivered} delivered)`,
    },
    {
      figure: "an idle host without heartbeats (CPU)",
      value: `${floor.baseCpuUsPerHostSecond.toFixed(2)} us/host-s`,
      detail: "HA's rounds, the scheduler's timers",
    },
  ];
  for (const intervalMs of HEARTBEAT_INTERVALS_MS) {
    const full = runIdleInChild({
      seed: seed!,
      hostCount: hostCount!,
      simulatedMs: simulatedMs!,
      heartbeatIntervalMs: intervalMs,
      nodeArgs: [SEMI_SPACE_FLAG],
      warmupMs: FULL_RUN_WARMUP_MS,
    });
    const floorUs = heartbeatFloorUsPerHostSecond(floor, intervalMs);
    const bareFloorUs = (floor.cpuUsPerBareMessage * 1000) / intervalMs + floor.baseCpuUsPerHostSecond;
    rows.push(
      {
        figure: `heartbeat every ${intervalMs / 1000} s: its floor (computed)`,
        value: `${floorUs.toFixed(2)} us/host-s`,
        goal: `<= ${budgetUs.toFixed(2)}`,
        met: floorUs <= budgetUs,
        detail: `at most ${(1e6 / (floorUs * hostCount!)).toFixed(0)} sim-s per CPU-s from heartbeats alone`,
      },
      {
        figure: `  any one-message heartbeat every ${intervalMs / 1000} s, with the rest (computed)`,
        value: `${bareFloorUs.toFixed(2)} us/host-s`,
        goal: `<= ${budgetUs.toFixed(2)}`,
        met: bareFloorUs <= budgetUs,
        detail: `a bare message per interval + an idle host without heartbeats: at most ${(1e6 / (bareFloorUs * hostCount!)).toFixed(0)} sim-s per CPU-s`,
      },
      {
        figure: `heartbeat every ${intervalMs / 1000} s: full idle run (CPU)`,
        value: `${idleHostCost(full).cpuUsPerHostSecond.toFixed(2)} us/host-s`,
        detail: `${(full.simulatedMs / full.cpuMs).toFixed(0)} sim-s per CPU-s, ${(full.simulatedMs / full.wallMs).toFixed(0)} sim-s/s wall`,
      },
    );
  }
  process.stdout.write(`${formatTable(rows)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`heartbeat-floor-run: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
