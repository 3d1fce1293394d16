import { Prng } from "../../core/prng.js";
import { runSimulation } from "../../core/simulation.js";
import { populateAll } from "../../core/workload/index.js";
import { PAGE_SIZE_BYTES, MIB } from "../../core/units.js";
import { createPolicy } from "../precopy/create-policy.js";
import { FixedBandwidthLimit } from "../precopy/bandwidth.js";
import { simulatePrecopyModel } from "../precopy/model.js";
import { StreamSender } from "./sender.js";
import { StreamReceiver } from "./receiver.js";
import { senderDomainOf } from "./domain-image.js";
import { createGuest, receiverSink, simPair, simScheduler } from "./sim-harness.js";

export interface ModelCheckPoint {
  memoryMib: number;
  dirtyPagesPerSecond: number;
  bandwidthBytesPerSecond: number;
  policy: "xen" | "qemu" | "xen-legacy";
  seed: number;
}

export interface ModelCheckResult {
  measured: { precopyRounds: number; pageBytesSent: number; downtimeMs: number; checksumMatches: boolean };
  model: { precopyRounds: number; bytesSent: number; downtimeMs: number };
}

/**
 * One seeded, in-process migration of a guest dirtying uniformly at random at D pages/s under a
 * bandwidth cap B, beside the analytic uniform-random pre-copy model for the same M, D, B and
 * policy (comparables.md §5). The measured figures come from the engine; the model's from the formula.
 */
export async function runModelCheck(point: ModelCheckPoint): Promise<ModelCheckResult> {
  const pair = simPair(point.seed, 1024 + point.memoryMib * 2);
  try {
    const guest = createGuest(pair.source, "m", point.memoryMib, "idle");
    const memory = pair.source.domainOf(guest).memory;
    populateAll(memory, new Prng(point.seed));
    pair.source.setWorkload("m", `uniform:rate=${point.dirtyPagesPerSecond}`);
    const incoming = pair.destination.create(guest.config, { paused: true, nameOverride: "m--incoming" });
    const incomingMemory = pair.destination.domainOf(incoming).memory;
    const receiver = new StreamReceiver(() => incomingMemory);
    const policy = createPolicy(point.policy);
    const sender = new StreamSender(senderDomainOf(pair.source, guest), receiverSink(receiver), {
      clock: pair.clock,
      scheduler: simScheduler(pair.clock),
      policy,
      bandwidth: new FixedBandwidthLimit(point.bandwidthBytesPerSecond),
      autoConverge: undefined,
      live: true,
    });
    const result = await runSimulation(pair.clock, sender.run());
    const model = simulatePrecopyModel({
      memoryBytes: point.memoryMib * MIB,
      bandwidthBytesPerSecond: point.bandwidthBytesPerSecond,
      dirtyBytesPerSecond: point.dirtyPagesPerSecond * PAGE_SIZE_BYTES,
      dirtying: "uniform-random",
      policy: createPolicy(point.policy),
    });
    const pagesSent = result.rounds.reduce((sum, r) => sum + r.pageCountSent, 0);
    const stopRound = result.rounds.at(-1)!;
    return {
      measured: {
        precopyRounds: result.rounds.filter((r) => !r.stopAndCopy).length,
        pageBytesSent: pagesSent * PAGE_SIZE_BYTES,
        downtimeMs: stopRound.durationMs,
        checksumMatches: incomingMemory.checksum() === memory.checksum(),
      },
      model: {
        precopyRounds: model.precopyRoundCount,
        bytesSent: model.bytesSentTotal,
        downtimeMs: model.downtimeMs ?? NaN,
      },
    };
  } finally {
    pair.stopTicks();
  }
}
