import { describe, expect, it } from "vitest";
import { SimCluster } from "./cluster.js";

const HOSTS = [
  { hostId: "h1", memoryMib: 2048 },
  { hostId: "h2", memoryMib: 2048 },
];

/** After 10 idle seconds: the heartbeats the scheduler holds, whether each is frozen, and the repeats run. */
async function reported(checkSharedSeconds: boolean) {
  const cluster = await SimCluster.start({ seed: 1, hosts: HOSTS, checkSharedSeconds });
  await cluster.idle(10_000);
  const beats = [...cluster.scheduler!.view.hosts.values()].map((host) => host.reported);
  return { beats, repeats: cluster.sharedSecond!.repeatCount };
}

describe("a shared second's repeated heartbeat (repeatedHeartbeat's freeze)", () => {
  it("is frozen where the shared second checks its repeats (the VOPR, the tests): a write to it throws", async () => {
    const { beats, repeats } = await reported(true);
    expect(repeats).toBeGreaterThan(0);
    for (const beat of beats) {
      expect(Object.isFrozen(beat)).toBe(true);
      expect(() => {
        (beat as { sequence: number }).sequence = 0;
      }).toThrow(TypeError);
    }
  });

  it("is not frozen where it does not (Object.freeze is a twelfth of an idle host-second), and shows the same", async () => {
    const unchecked = await reported(false);
    const checked = await reported(true);
    expect(unchecked.repeats).toBe(checked.repeats);
    for (const beat of unchecked.beats) expect(Object.isFrozen(beat)).toBe(false);
    expect(JSON.stringify(unchecked.beats)).toBe(JSON.stringify(checked.beats));
    for (const beat of unchecked.beats) expect(Object.isFrozen(beat.cpupools)).toBe(true); // shared with `last`
  });
});
