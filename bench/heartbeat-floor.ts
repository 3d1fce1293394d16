import { SimCluster } from "../services/sim/cluster.js";
import { countEvents, hostSpecs } from "./simcluster.js";

// The floor under an idle host's cost at a given heartbeat interval: what one heartbeat costs alone
// (the real Host builds and publishes it, the sim broker carries it, the real scheduler checks it and
// updates its view), measured in a cluster whose hosts do not heartbeat on their own. A second of
// the same cluster without heartbeats (HA's rounds, the scheduler's own timers) is measured before
// and after; the heartbeats' cost is the difference.

/** Longer than any floor run: the hosts never heartbeat on their own, and their timer a second rests. */
export const HEARTBEAT_FLOOR_HOST_INTERVAL_MS = 3_600_000;
/** Simulated time before measuring: the hosts' start (first heartbeat, first lease round) is over. */
const HEARTBEAT_FLOOR_WARMUP_MS = 15_000;
/** One round: every host publishes a heartbeat, then a simulated second passes (all delivered). */
const HEARTBEAT_FLOOR_ROUND_MS = 1000;
/**
 * The bare message's subject prefix and processes: members the broker never admitted (no
 * permissions checked, as on a server without authorization), so nothing in the cluster hears them.
 */
const BARE_SUBJECT_PREFIX = "xsim.floor.alive.";
const BARE_SENDER_PREFIX = "floor-sender-";
const BARE_SINK_ID = "floor-sink";

export interface HeartbeatFloorFigures {
  hostCount: number;
  roundCount: number;
  /** CPU per host per simulated second without heartbeats (the rest of an idle host), µs. */
  baseCpuUsPerHostSecond: number;
  /** CPU per heartbeat: built, published, carried, checked, noted (with-heartbeat round minus base), µs. */
  cpuUsPerHeartbeat: number;
  /** Timers fired plus messages relayed per heartbeat (the SimulatedClock's and SimNetwork's counts). */
  eventsPerHeartbeat: number;
  heartbeatCount: number;
  /**
   * CPU per bare message, µs: one frozen two-field object per host published over the same sim
   * network and broker to one subscriber that only notes it (no heartbeat built, no check). The floor
   * under any heartbeat protocol carried as one message per host, whatever it says.
   */
  cpuUsPerBareMessage: number;
  /** Bare messages the sink received (hostCount x roundCount when none was lost). */
  bareMessageCountDelivered: number;
}

interface Phase {
  cpuMs: number;
  events: number;
}

export async function measureHeartbeatFloor(
  seed: number,
  hostCount: number,
  roundCount: number,
): Promise<HeartbeatFloorFigures> {
  const cluster = await SimCluster.start({
    seed,
    hosts: hostSpecs(hostCount),
    heartbeatIntervalMs: HEARTBEAT_FLOOR_HOST_INTERVAL_MS,
  });
  await cluster.idle(HEARTBEAT_FLOOR_WARMUP_MS);
  const hosts = [...cluster.hosts.values()].map((simHost) => simHost.host);
  const round = async (beat: boolean) => {
    if (beat) for (const host of hosts) host.publishHeartbeat();
    await cluster.idle(HEARTBEAT_FLOOR_ROUND_MS);
  };
  const bare = bareSenders(cluster, hosts.length);
  const bareRound = async () => {
    bare.publishAll();
    await cluster.idle(HEARTBEAT_FLOOR_ROUND_MS);
  };
  const before = await measurePhase(cluster, roundCount, () => round(false));
  const beating = await measurePhase(cluster, roundCount, () => round(true));
  const bareBeating = await measurePhase(cluster, roundCount, bareRound);
  const after = await measurePhase(cluster, roundCount, () => round(false));
  const baseCpuMs = (before.cpuMs + after.cpuMs) / 2;
  const baseEvents = (before.events + after.events) / 2;
  const heartbeatCount = hostCount * roundCount;
  return {
    hostCount,
    roundCount,
    baseCpuUsPerHostSecond: (baseCpuMs * 1000) / heartbeatCount,
    cpuUsPerHeartbeat: ((beating.cpuMs - baseCpuMs) * 1000) / heartbeatCount,
    eventsPerHeartbeat: (beating.events - baseEvents) / heartbeatCount,
    heartbeatCount,
    cpuUsPerBareMessage: ((bareBeating.cpuMs - baseCpuMs) * 1000) / heartbeatCount,
    bareMessageCountDelivered: bare.deliveredCount(),
  };
}

/** One sender process per host and a sink, on the cluster's own network and broker. */
function bareSenders(cluster: SimCluster, senderCount: number) {
  cluster.network.addProcess(BARE_SINK_ID);
  const lastSeqBySender = new Map<string, number>();
  let deliveredCount = 0;
  cluster.broker.connect(BARE_SINK_ID).subscribeJson(`${BARE_SUBJECT_PREFIX}*`, (_subject, value) => {
    const message = value as { sender: string; seq: number };
    lastSeqBySender.set(message.sender, message.seq);
    deliveredCount++;
  });
  const senders = Array.from({ length: senderCount }, (_, index) => {
    const id = `${BARE_SENDER_PREFIX}${index}`;
    cluster.network.addProcess(id);
    return { bus: cluster.broker.connect(id), subject: `${BARE_SUBJECT_PREFIX}${index}`, id, seq: 0 };
  });
  return {
    publishAll(): void {
      for (const sender of senders)
        sender.bus.publishJson(
          sender.subject,
          Object.freeze({ sender: sender.id, seq: ++sender.seq }),
          "frozen",
        );
    },
    deliveredCount: () => deliveredCount,
  };
}

async function measurePhase(
  cluster: SimCluster,
  roundCount: number,
  round: () => Promise<void>,
): Promise<Phase> {
  const events = countEvents(cluster);
  const cpuStarted = process.cpuUsage();
  for (let i = 0; i < roundCount; i++) await round();
  const used = process.cpuUsage(cpuStarted);
  const counted = events();
  return { cpuMs: (used.user + used.system) / 1000, events: counted.timers + counted.relayed };
}

/** CPU an idle host's heartbeats alone cost per simulated second at `intervalMs`, µs (computed). */
export function heartbeatFloorUsPerHostSecond(figures: HeartbeatFloorFigures, intervalMs: number): number {
  return (figures.cpuUsPerHeartbeat * 1000) / intervalMs;
}
