import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../core/clock.js";
import { Prng } from "../core/prng.js";
import { runSimulation } from "../core/simulation.js";
import { ToolstackError } from "../dom0/errors.js";
import { encodeJson } from "../contracts/bus.js";
import { kvWriteSubject, publishViolation, storeWriteRefusal } from "../identity/nats-authorization.js";
import { SimNetwork } from "./network.js";
import { SimKv } from "./sim-kv.js";
import { SimBroker } from "./sim-bus.js";
import { SimAuthorizer } from "./sim-authorization.js";

/** Host h1 and the scheduler, admitted as a real cluster's nats-server admits them. */
function rig() {
  const clock = new SimulatedClock();
  const network = new SimNetwork(clock, new Prng(1));
  const authorizer = new SimAuthorizer();
  for (const id of ["h1", "h2", "scheduler"]) network.addProcess(id);
  authorizer.admit("h1", "host", "h1");
  authorizer.admit("h2", "host", "h2");
  authorizer.admit("scheduler", "scheduler", "scheduler");
  const kv = new SimKv(network, authorizer);
  const broker = new SimBroker(network, authorizer);
  const run = (work: Promise<unknown>) => runSimulation(clock, work);
  return { clock, kv, broker, authorizer, run };
}

describe("the in-process cluster enforces nats-server's permissions (services/identity/nats-permissions.ts)", () => {
  it("refuses a host's write of a key the real server refuses it, with the real store's words", async () => {
    const r = rig();
    const h1 = r.kv.connect("h1");
    // Another host's lease and a scheduler-only key: the real server refuses both to host h1.
    for (const [write, key] of [
      [() => h1.put("lease.h2", "{}"), "lease.h2"],
      [() => h1.create("host.h1", "disabled"), "host.h1"],
    ] as const) {
      const refusal = r.run(write());
      await expect(refusal).rejects.toBeInstanceOf(ToolstackError);
      await expect(refusal).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
      const operation = key === "lease.h2" ? "put" : "create";
      await expect(refusal).rejects.toThrow(
        storeWriteRefusal(operation, key, publishViolation(kvWriteSubject(key))),
      );
      expect(r.kv.peek(key), "nothing written").toBeUndefined();
    }
    expect(r.authorizer.refusals.map((x) => x.refusal)).toEqual([
      'Permissions Violation for Publish to "$KV.xsim-scheduler.lease.h2"',
      'Permissions Violation for Publish to "$KV.xsim-scheduler.host.h1"',
    ]);
    // The HA statefile is the same bucket, under the same permissions.
    await expect(r.run(r.kv.statefile("h1").put("lease.h2", "{}"))).rejects.toThrow(
      /refused the put of lease\.h2: Permissions Violation/,
    );
  });

  it("lets a host write names, HA records and its own lease, and the scheduler any key", async () => {
    const r = rig();
    const h1 = r.kv.connect("h1");
    await r.run(h1.create("name.web", "{}"));
    await r.run(h1.put("ha.u1", "{}"));
    await r.run(r.kv.statefile("h1").put("lease.h1", "{}"));
    await r.run(r.kv.connect("scheduler").put("host.h1", "disabled"));
    expect(r.kv.keysNow("")).toEqual(["ha.u1", "host.h1", "lease.h1", "name.web"]);
    expect(r.authorizer.refusals).toEqual([]);
  });

  it("drops a host's publish on another host's subjects and refuses its subscription to others' migrations", async () => {
    const r = rig();
    const seen: string[] = [];
    r.broker.connect("scheduler").subscribe("xsim.host.>", (subject) => seen.push(subject));
    const h1 = r.broker.connect("h1");
    h1.publish("xsim.host.h2.heartbeat", encodeJson({ hostId: "h2" })); // forged: refused
    h1.publish("xsim.host.h1.heartbeat", encodeJson({ hostId: "h1" }));
    h1.subscribe("xsim.>", () => seen.push("h1 read everything"));
    h1.publish("xsim.host.h1.domain.created", encodeJson({}));
    await r.run(new Promise<void>((resolve) => r.clock.setTimer(100, resolve)));
    expect(seen).toEqual(["xsim.host.h1.heartbeat", "xsim.host.h1.domain.created"]);
    expect(r.authorizer.refusals).toEqual([
      { processId: "h1", refusal: 'Permissions Violation for Subscription to "xsim.>"' },
      { processId: "h1", refusal: 'Permissions Violation for Publish to "xsim.host.h2.heartbeat"' },
    ]);
  });

  it("asks again when a connection's member is admitted anew, and routes to subscriptions made or ended since", async () => {
    const r = rig();
    const seen: string[] = [];
    const scheduler = r.broker.connect("scheduler");
    const all = scheduler.subscribe("xsim.host.>", (subject) => seen.push(`all ${subject}`));
    const h1 = r.broker.connect("h1");
    const beat = () => h1.publishJson("xsim.host.h1.heartbeat", { hostId: "h1" });
    const settle = () => r.run(new Promise<void>((resolve) => r.clock.setTimer(10, resolve)));
    beat();
    await settle();
    scheduler.subscribe("xsim.host.h1.heartbeat", (subject) => seen.push(`one ${subject}`));
    beat();
    await settle();
    all.unsubscribe();
    beat();
    await settle();
    // Admitted anew as another host: its own heartbeat subject is not h1's any more.
    r.authorizer.admit("h1", "host", "h9");
    beat();
    await settle();
    expect(seen).toEqual([
      "all xsim.host.h1.heartbeat",
      "one xsim.host.h1.heartbeat",
      "all xsim.host.h1.heartbeat",
      "one xsim.host.h1.heartbeat",
    ]);
    expect(r.authorizer.refusals).toEqual([
      { processId: "h1", refusal: publishViolation("xsim.host.h1.heartbeat") },
    ]);
  });

  it("gives the same verdict on a subject every time, and keeps each refusal, past its bound of remembered subjects", () => {
    const r = rig();
    const verdicts = (subject: string) => [1, 2].map(() => r.authorizer.publishRefusal("h1", subject));
    expect(verdicts("xsim.host.h1.heartbeat")).toEqual([undefined, undefined]);
    expect(verdicts("xsim.host.h2.heartbeat")).toEqual(
      Array(2).fill(publishViolation("xsim.host.h2.heartbeat")),
    );
    // Migration subjects are new each time: more than the authorizer remembers.
    for (let i = 0; i < 2_500; i++) r.authorizer.publishRefusal("h1", `xsim.migration.m${i}.progress`);
    expect(verdicts("xsim.host.h2.heartbeat")).toEqual(
      Array(2).fill(publishViolation("xsim.host.h2.heartbeat")),
    );
    expect(verdicts("xsim.host.h1.heartbeat")).toEqual([undefined, undefined]);
    expect(r.authorizer.refusals.map((x) => x.refusal)).toEqual(
      Array(4).fill(publishViolation("xsim.host.h2.heartbeat")),
    );
    expect(
      r.authorizer.publishRefusal("h2", "xsim.host.h2.heartbeat"),
      "another member's verdicts",
    ).toBeUndefined();
  });
});
