import { performance } from "node:perf_hooks";
import { GuestMemory } from "../services/core/memory/guest-memory.js";
import { waitForGuestStores } from "../services/core/memory/page-store.js";
import { Prng } from "../services/core/prng.js";
import { createWorkload, parseWorkloadSpec } from "../services/core/workload/index.js";
import { PAGE_SIZE_BYTES } from "../services/core/units.js";
import type { BusyClusterOptions, GuestPlan } from "./simcluster.js";

// The busy cluster's floor: its busy guests' page writes alone, with nothing else simulated. The
// same workloads on the same number of guests of the same size write for the same simulated time
// in 10 ms steps (a busy guest gets the whole CPU it asks for, so it makes its full rate of writes),
// into fresh memory as the cluster's guests do. No run of the cluster can be faster than this.

/** The step the floor runs its workloads in: the hosts' tick (host.ts TICK_INTERVAL_MS). */
const FLOOR_STEP_MS = 10;

export interface GuestWritesFloor {
  guestCount: number;
  writeCount: number;
  wallMs: number;
  cpuMs: number;
  /** Minor page faults of the process meanwhile: first writes of 4 KiB pages. */
  pageFaultCount: number;
}

/** Runs the plan's busy workloads alone for options.simulatedMs and measures it; frees the memory. */
export function measureGuestWritesFloor(
  options: BusyClusterOptions,
  plan: readonly GuestPlan[],
): GuestWritesFloor {
  const pageCount = (options.domainMemoryMib * 1024 * 1024) / PAGE_SIZE_BYTES;
  const guests = plan
    .filter((guest) => guest.workload !== "idle")
    .map((guest, index) => ({
      memory: new GuestMemory(pageCount, pageCount),
      workload: createWorkload(parseWorkloadSpec(guest.workload)),
      prng: new Prng(options.seed).fork(index),
    }));
  const usageBefore = process.resourceUsage();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let writeCount = 0;
  for (let doneMs = 0; doneMs < options.simulatedMs; doneMs += FLOOR_STEP_MS)
    for (const guest of guests) writeCount += guest.workload.run(guest.memory, FLOOR_STEP_MS, guest.prng);
  waitForGuestStores(); // after a SimCluster in this process they go through its store worker
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const pageFaultCount = process.resourceUsage().minorPageFault - usageBefore.minorPageFault;
  for (const guest of guests) guest.memory.release();
  return {
    guestCount: guests.length,
    writeCount,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    pageFaultCount,
  };
}
