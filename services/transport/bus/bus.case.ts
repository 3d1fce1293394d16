import { describe, expect, it } from "vitest";
import type { Bus } from "../../contracts/bus.js";
import { encodeJson, decodeJson } from "../../contracts/bus.js";

export interface BusPair {
  publisher: Bus;
  subscriber: Bus;
  close(): Promise<void>;
}

/** The conformance suite every Bus implementation runs (memory-bus.test.ts, nats-bus.test.ts). */
export function busConformance(name: string, makePair: () => Promise<BusPair>): void {
  describe(`Bus conformance: ${name}`, () => {
    it("delivers to exact, * and > subscriptions, in publish order", async () => {
      const pair = await makePair();
      try {
        const got: string[] = [];
        pair.subscriber.subscribe("xsim.host.h1.domain.created", (s) => got.push(`exact ${s}`));
        pair.subscriber.subscribe("xsim.host.*.heartbeat", (s) => got.push(`star ${s}`));
        pair.subscriber.subscribe("xsim.>", (s, d) =>
          got.push(`tail ${s} ${decodeJson<{ n: number }>(d).n}`),
        );
        await pair.subscriber.flush();
        pair.publisher.publish("xsim.host.h1.domain.created", encodeJson({ n: 1 }));
        pair.publisher.publish("xsim.host.h2.heartbeat", encodeJson({ n: 2 }));
        pair.publisher.publish("other.subject", encodeJson({ n: 3 }));
        await pair.publisher.flush();
        await waitFor(() => got.length >= 4);
        expect(got.filter((g) => g.startsWith("tail"))).toEqual([
          "tail xsim.host.h1.domain.created 1",
          "tail xsim.host.h2.heartbeat 2",
        ]);
        expect(got).toContain("exact xsim.host.h1.domain.created");
        expect(got).toContain("star xsim.host.h2.heartbeat");
        expect(got.some((g) => g.includes("other.subject"))).toBe(false);
      } finally {
        await pair.close();
      }
    });

    it("stops delivering after unsubscribe", async () => {
      const pair = await makePair();
      try {
        let count = 0;
        const sub = pair.subscriber.subscribe("a.b", () => count++);
        const marker: string[] = [];
        pair.subscriber.subscribe("a.marker", () => marker.push("m"));
        await pair.subscriber.flush();
        pair.publisher.publish("a.b", encodeJson(1));
        await pair.publisher.flush();
        await waitFor(() => count === 1);
        sub.unsubscribe();
        await pair.subscriber.flush();
        pair.publisher.publish("a.b", encodeJson(2));
        pair.publisher.publish("a.marker", encodeJson(3));
        await pair.publisher.flush();
        await waitFor(() => marker.length === 1);
        expect(count).toBe(1);
      } finally {
        await pair.close();
      }
    });

    it("carries payload bytes unchanged", async () => {
      const pair = await makePair();
      try {
        const payload = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
        let got: Uint8Array | undefined;
        pair.subscriber.subscribe("bytes.x", (_, d) => (got = d.slice()));
        await pair.subscriber.flush();
        pair.publisher.publish("bytes.x", payload);
        await pair.publisher.flush();
        await waitFor(() => got !== undefined);
        expect(Buffer.compare(Buffer.from(got!), Buffer.from(payload))).toBe(0);
      } finally {
        await pair.close();
      }
    });
  });
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("waitFor: condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
