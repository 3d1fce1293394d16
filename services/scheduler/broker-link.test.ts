import { describe, expect, it } from "vitest";
import { BrokerLink } from "./broker-link.js";

const GRACE_MS = 3000;

function linkOf(wallMs?: number) {
  const health = { brokerName: "nats-server (x)", connected: true, isConnected: () => health.connected };
  const log: string[] = [];
  const link = new BrokerLink(health, wallMs === undefined ? undefined : () => wallMs, (l) => log.push(l));
  return { health, log, link };
}

describe("BrokerLink: whether the scheduler reaches the broker, and since when", () => {
  it("has no outage while connected, nor without a BusHealth", () => {
    expect(linkOf().link.outage(100, () => GRACE_MS)).toBeUndefined();
    expect(new BrokerLink(undefined, undefined, () => undefined).outage(100, () => GRACE_MS)).toBeUndefined();
  });

  it("stamps the loss when first sampled, keeps it while down, and logs each change once", () => {
    const { health, log, link } = linkOf(42);
    health.connected = false;
    link.sample(1000);
    link.sample(1250);
    expect(link.isDown).toBe(true);
    expect(link.outage(1500, () => GRACE_MS)).toEqual({
      brokerName: "nats-server (x)",
      lostAtMs: 1000,
      lostAtWallMs: 42,
      backAtMs: undefined,
    });
    health.connected = true;
    expect(link.outage(6000, () => GRACE_MS)?.backAtMs).toBe(6000);
    expect(link.isDown).toBe(false);
    expect(log).toEqual([
      "nats-server (x) is unreachable: hosts' heartbeats cannot arrive until it is back",
      "nats-server (x) is reachable again after 5.0 s",
    ]);
  });

  it("still tells of the outage within the grace after it ended, not after", () => {
    const { health, link } = linkOf();
    health.connected = false;
    link.sample(1000);
    health.connected = true;
    link.sample(2000);
    expect(link.outage(2000 + GRACE_MS - 1, () => GRACE_MS)?.lostAtMs).toBe(1000);
    expect(link.outage(2000 + GRACE_MS, () => GRACE_MS)).toBeUndefined();
  });

  it("a second loss within the grace starts a new outage", () => {
    const { health, link } = linkOf();
    health.connected = false;
    link.sample(1000);
    health.connected = true;
    link.sample(2000);
    health.connected = false;
    expect(link.outage(2500, () => GRACE_MS)).toMatchObject({ lostAtMs: 2500, backAtMs: undefined });
  });
});
