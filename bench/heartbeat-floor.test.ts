import { describe, expect, it } from "vitest";
import { heartbeatFloorUsPerHostSecond, measureHeartbeatFloor } from "./heartbeat-floor.js";

describe("measureHeartbeatFloor (its logic, tiny; the figures come from heartbeat-floor-run.ts)", () => {
  it("counts every host's heartbeat in every round, and the events they add", async () => {
    const floor = await measureHeartbeatFloor(1, 3, 2);
    expect(floor.heartbeatCount).toBe(6);
    // A difference of phases: at 3 hosts the rounds without heartbeats differ by a lease round or two.
    expect(floor.eventsPerHeartbeat).toBeGreaterThan(0);
    expect(Number.isFinite(floor.cpuUsPerHeartbeat)).toBe(true);
  });

  it("carries every bare message of every round to the sink (none refused nor lost)", async () => {
    const floor = await measureHeartbeatFloor(1, 3, 2);
    expect(floor.bareMessageCountDelivered).toBe(6);
    expect(Number.isFinite(floor.cpuUsPerBareMessage)).toBe(true);
  });

  it("spreads one heartbeat's cost over its interval", () => {
    const figures = {
      hostCount: 1,
      roundCount: 1,
      baseCpuUsPerHostSecond: 4,
      cpuUsPerHeartbeat: 7,
      eventsPerHeartbeat: 2,
      heartbeatCount: 1,
      cpuUsPerBareMessage: 1,
      bareMessageCountDelivered: 1,
    };
    expect(heartbeatFloorUsPerHostSecond(figures, 1000)).toBe(7);
    expect(heartbeatFloorUsPerHostSecond(figures, 7000)).toBe(1);
  });
});
