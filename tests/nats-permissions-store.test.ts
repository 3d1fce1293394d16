import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "nats";
import { startNatsServer, type NatsServerHandle } from "./support/nats-server.js";
import { natsOptionsAs, testPki } from "./support/test-pki.js";
import { NatsKvStore } from "../services/transport/kv/nats-kv-store.js";
import { NatsStatefile } from "../services/transport/bus/nats-statefile.js";
import { SimulatedClock } from "../services/core/clock.js";
import { Prng } from "../services/core/prng.js";
import { runSimulation } from "../services/core/simulation.js";
import { SimNetwork } from "../services/sim/network.js";
import { SimKv } from "../services/sim/sim-kv.js";
import { SimAuthorizer } from "../services/sim/sim-authorization.js";

/**
 * The same write refused the same way by the real nats-server (its config written from
 * services/identity/nats-permissions.ts) and by the in-process cluster's bucket (which reads that
 * table): PERMISSION_DENIED with the same words. Last session a host could not write `ha.*` on
 * the real server and only a real-process test noticed; now the sim refuses it too.
 */
let nats: NatsServerHandle;
let scheduler: NatsConnection;
let host: NatsConnection;

/** What `hostId`'s write of `key` gets from the in-process cluster's bucket. */
async function simRefusal(hostId: string, write: (kv: SimKv) => Promise<unknown>): Promise<unknown> {
  const clock = new SimulatedClock();
  const network = new SimNetwork(clock, new Prng(1));
  network.addProcess(hostId);
  const authorizer = new SimAuthorizer();
  authorizer.admit(hostId, "host", hostId);
  return runSimulation(clock, write(new SimKv(network, authorizer))).catch((error: unknown) => error);
}

describe.skipIf(!testPki())("a state store write nats-server refuses (secured cluster only)", () => {
  beforeAll(async () => {
    const pki = testPki()!;
    await pki.admitHost("h1");
    await pki.admitHost("h2");
    nats = await startNatsServer("cluster");
    scheduler = await connect({ servers: nats.url, ...natsOptionsAs("scheduler", "scheduler") });
    await NatsKvStore.open(scheduler); // the bucket, as the scheduler makes it at its start
    host = await connect({ servers: nats.url, ...natsOptionsAs("host", "h1") });
  });

  afterAll(async () => {
    await host?.close();
    await scheduler?.close();
    await nats?.stop();
  });

  it("is refused PERMISSION_DENIED with the same words by the real store and the sim's", async () => {
    const store = await NatsKvStore.open(host);
    await store.put("name.web", "{}"); // allowed: names, HA records, its own lease
    await store.put("ha.u1", "{}");
    await store.put("lease.h1", "{}");
    for (const [operation, key] of [
      ["put", "lease.h2"],
      ["create", "host.h1"],
    ] as const) {
      const real = await (operation === "put" ? store.put(key, "{}") : store.create(key, "x")).catch(
        (error: unknown) => error,
      );
      const sim = await simRefusal("h1", (kv) =>
        operation === "put" ? kv.connect("h1").put(key, "{}") : kv.connect("h1").create(key, "x"),
      );
      expect(real).toMatchObject({ code: "PERMISSION_DENIED" });
      expect(sim).toMatchObject({ code: "PERMISSION_DENIED" });
      expect((real as Error).message).toBe((sim as Error).message);
      expect((real as Error).message).toContain(
        `Permissions Violation for Publish to "$KV.xsim-scheduler.${key}"`,
      );
    }
    const schedulerStore = await NatsKvStore.open(scheduler);
    expect(await schedulerStore.get("lease.h2"), "nothing written").toBeUndefined();
  }, 60_000);

  it("is refused the same way through the HA statefile", async () => {
    const real = await new NatsStatefile(host).put("lease.h2", "{}").catch((error: unknown) => error);
    const sim = await simRefusal("h1", (kv) => kv.statefile("h1").put("lease.h2", "{}"));
    expect(real).toMatchObject({ code: "PERMISSION_DENIED" });
    expect((real as Error).message).toBe((sim as Error).message);
  }, 60_000);
});
