import { performance } from "node:perf_hooks";
import { SimulatedClock } from "../services/core/clock.js";
import { Hypervisor } from "../services/core/hypervisor.js";
import { Prng } from "../services/core/prng.js";
import { TICK_INTERVAL_MS } from "../services/host/host.js";
import type { GuestWritesFloor } from "./guest-writes-floor.js";
import { type BusyClusterOptions, type GuestPlan, SIM_HOST_MEMORY_MIB } from "./simcluster.js";
import { waitForGuestStores } from "../services/core/memory/page-store.js";

// The busy cluster's hypervisors alone: each host's Hypervisor (credit2 over its pCPUs, CPU shares,
// the guests' workloads) with the same guests, ticked every TICK_INTERVAL_MS for the same simulated
// time, and nothing else: no Host, toolstack, network, migration, heartbeats or cluster scheduler.
// With `writes: false` the busy guests keep their CPU demand but write nothing: ticks and credit2
// alone. Measured in the same run as the cluster, these say what the rest of the simulation adds.

/** What bench/simcluster.ts's hosts have (SimCluster's defaults). */
const HOST_PCPU_COUNT = 8;
const DOM0_MEMORY_MIB = 512;
const CPU_BOUND_DEMAND = "cpu";

function bootHypervisors(options: BusyClusterOptions, plan: readonly GuestPlan[], writes: boolean) {
  const clock = new SimulatedClock();
  const hostIds = [...new Set(plan.map((guest) => guest.hostId))];
  const hypervisors = hostIds.map((hostId, index) => {
    const spec = {
      hostId,
      pcpuCount: HOST_PCPU_COUNT,
      memoryMib: SIM_HOST_MEMORY_MIB,
      hvmCapable: true,
      cpuMhz: 2400,
    };
    const hypervisor = new Hypervisor(spec, clock, new Prng(options.seed).fork(index));
    hypervisor.bootDom0({ memoryMib: DOM0_MEMORY_MIB, vcpus: 1 }, `dom0-${hostId}`);
    for (const guest of plan.filter((g) => g.hostId === hostId)) {
      const busy = guest.workload !== "idle";
      const memoryKib = options.domainMemoryMib * 1024;
      const domain = hypervisor.createDomain({
        uuid: guest.name,
        type: "pvh",
        memoryKib,
        maxmemKib: memoryKib,
        vcpus: 1,
        maxvcpus: 1,
        weight: 256,
        cap: 0,
        workload: writes ? guest.workload : "idle",
        ...(busy && !writes ? { cpuDemand: CPU_BOUND_DEMAND } : {}),
      });
      hypervisor.unpauseDomain(domain.domid);
    }
    return hypervisor;
  });
  return { clock, hypervisors };
}

/**
 * Ticks the plan's hosts' hypervisors alone for options.simulatedMs and measures it. A longer
 * `tickIntervalMs` runs the same credit2 events (the engine is event-driven) with fewer ticks: the
 * difference is what the ticks themselves cost.
 */
export function measureHypervisorFloor(
  options: BusyClusterOptions,
  plan: readonly GuestPlan[],
  writes: boolean,
  tickIntervalMs = TICK_INTERVAL_MS,
): Omit<GuestWritesFloor, "writeCount"> {
  const { clock, hypervisors } = bootHypervisors(options, plan, writes);
  const usageBefore = process.resourceUsage();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let doneMs = 0; doneMs < options.simulatedMs; doneMs += tickIntervalMs) {
    clock.advanceMs(tickIntervalMs);
    for (const hypervisor of hypervisors) hypervisor.tick();
  }
  waitForGuestStores(); // after a SimCluster in this process the writes go through its store worker
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const pageFaultCount = process.resourceUsage().minorPageFault - usageBefore.minorPageFault;
  for (const hypervisor of hypervisors) for (const domain of hypervisor.domains()) domain.memory.release();
  return {
    guestCount: plan.length,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    pageFaultCount,
  };
}
