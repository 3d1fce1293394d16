import { SimulatedClock } from "../../core/clock.js";
import { Prng } from "../../core/prng.js";
import { every } from "../../core/simulation.js";
import { Toolstack, type DomainRecord } from "../toolstack.js";
import { loadDomainConfig } from "../xlcfg/load.js";
import type { EngineScheduler, StreamSink } from "./stream-sink.js";
import { StreamReceiver } from "./receiver.js";

/** Two hosts in one process under one simulated clock: the seeded wiring of a migration. */
export interface SimPair {
  clock: SimulatedClock;
  source: Toolstack;
  destination: Toolstack;
  stopTicks: () => void;
}

export const SIM_TICK_MS = 1;

export function simPair(seed: number, memoryMib = 4096): SimPair {
  const clock = new SimulatedClock();
  const spec = { pcpuCount: 4, memoryMib, hvmCapable: true, cpuMhz: 2400 };
  const source = new Toolstack(
    { ...spec, hostId: "src" },
    { memoryMib: 512, vcpus: 1 },
    clock,
    new Prng(seed),
  );
  const destination = new Toolstack(
    { ...spec, hostId: "dst" },
    { memoryMib: 512, vcpus: 1 },
    clock,
    new Prng(seed + 1),
  );
  const stopTicks = every(clock, SIM_TICK_MS, () => {
    source.hypervisor.tick();
    destination.hypervisor.tick();
  });
  return { clock, source, destination, stopTicks };
}

export function createGuest(
  toolstack: Toolstack,
  name: string,
  memoryMib: number,
  workload: string,
): DomainRecord {
  const text = `name = "${name}"\nkernel = "/k"\nmemory = ${memoryMib}\nvcpus = 1\nxsim_workload = "${workload}"\n`;
  return toolstack.create(loadDomainConfig(text, `${name}.cfg`, [], toolstack.prng));
}

export function simScheduler(clock: SimulatedClock): EngineScheduler {
  return {
    sleepMs: (delayMs) => new Promise((resolve) => clock.setTimer(delayMs, resolve)),
    yield: () => Promise.resolve(),
  };
}

/** A sink that hands every chunk straight to a receiver in the same process; `onEnd` when END arrived. */
export function receiverSink(receiver: StreamReceiver, onEnd?: () => void): StreamSink {
  return {
    write: (chunk, release) => {
      const wasEnded = receiver.isEnded;
      receiver.push(chunk);
      if (!wasEnded && receiver.isEnded) onEnd?.();
      release();
      return Promise.resolve();
    },
    flush: () => Promise.resolve(),
    close: () => undefined,
  };
}
