import { describe, expect, it } from "vitest";
import { brokerNote, hostList, HOSTS_NAMED_MAX, refusalWithNote } from "./broker-words.js";
import type { BrokerOutage } from "./broker-link.js";

const NATS = "nats-server (nats://127.0.0.1:4222)";
/** 2026-12-05 12:00:03 UTC, in ms since the epoch. */
const LOST_WALL_MS = Date.UTC(2026, 11, 5, 12, 0, 3);

function outage(fields: Partial<BrokerOutage> = {}): BrokerOutage {
  return { brokerName: NATS, lostAtMs: 1000, lostAtWallMs: LOST_WALL_MS, backAtMs: undefined, ...fields };
}

describe("the scheduler's words for hosts its broker outage silenced", () => {
  it("names the broker first, when and how long, and that the hosts may still run", () => {
    expect(brokerNote(outage(), ["rn1", "rn2"], 6000, 3000)).toBe(
      `${NATS} is unreachable from the scheduler since 12:00:03 UTC (5.0 s): ` +
        "hosts' heartbeats cannot arrive, so rn1 and rn2 may still run",
    );
  });

  it("says only how long without a time of day (a wiring without one)", () => {
    expect(brokerNote(outage({ lostAtWallMs: undefined }), ["h1"], 13_000, 3000)).toBe(
      `${NATS} is unreachable from the scheduler for 12 s: hosts' heartbeats cannot arrive, so h1 may still run`,
    );
  });

  it("once the broker is back, says the hosts may be seen up within what is left of the grace", () => {
    expect(brokerNote(outage({ backAtMs: 6000 }), ["rn1", "rn2", "rn3"], 7000, 3000)).toBe(
      `${NATS} was unreachable from the scheduler for 5.0 s until 1.0 s ago: hosts' heartbeats are ` +
        "arriving again, so rn1, rn2 and rn3 may be seen up within 2.0 s",
    );
  });

  it("puts the note before the refusal's own account, and says nothing changed", () => {
    expect(refusalWithNote('no host fits "web"', "NOTE", "rn1 down; rn2 down")).toBe(
      'no host fits "web": NOTE; nothing was changed (rn1 down; rn2 down)',
    );
    expect(refusalWithNote('no domain "web" runs on any host that is up', "NOTE")).toBe(
      'no domain "web" runs on any host that is up: NOTE; nothing was changed',
    );
  });

  it("names a few hosts and counts the rest", () => {
    expect(hostList(["h1"])).toBe("h1");
    expect(hostList(["h1", "h2"])).toBe("h1 and h2");
    const many = Array.from({ length: HOSTS_NAMED_MAX + 3 }, (_, i) => `h${i + 1}`);
    expect(hostList(many)).toBe(`${many.slice(0, HOSTS_NAMED_MAX).join(", ")} and 3 other hosts`);
    expect(() => hostList([])).toThrow(/no hosts/);
  });
});
