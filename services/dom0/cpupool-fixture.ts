import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { Toolstack } from "./toolstack.js";
import { loadDomainConfig } from "./xlcfg/load.js";
import type { DomainRecord } from "./toolstack.js";

/** A credit2 host of 8 pCPUs and 2 GiB for cpupool tests (Pool-0 with every pCPU and Dom0). */
export function cpupoolTestHost(): Toolstack {
  const spec = { hostId: "h1", pcpuCount: 8, memoryMib: 2048, hvmCapable: true, cpuMhz: 2400 };
  return new Toolstack(spec, { memoryMib: 256, vcpus: 2 }, new SimulatedClock(), new Prng(5), {
    scheduler: "credit2",
  });
}

/** A PV guest of 32 MiB and 2 vCPUs; `extra`: more xl.cfg lines (a `pool = ...`). */
export function cpupoolTestGuest(ts: Toolstack, name: string, extra = ""): DomainRecord {
  const text = `name = "${name}"\nkernel = "/k"\nmemory = 32\nvcpus = 2\n${extra}`;
  return ts.create(loadDomainConfig(text, `${name}.cfg`, [], ts.prng), { configSource: `${name}.cfg` });
}
