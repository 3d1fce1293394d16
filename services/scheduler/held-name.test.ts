import { describe, expect, it } from "vitest";
import { SchedulerRig } from "../sim/scheduler-rig.js";
import { nameHeldMessage } from "../dom0/cluster-names.js";
import { heldNameNote } from "./held-name.js";
import type { HaRecord } from "./ha-records.js";

const HOSTS = [
  { hostId: "h1", memoryMib: 4096 },
  { hostId: "h2", memoryMib: 4096 },
];
/** Past the rig's missed heartbeats: a killed host is declared down. */
const DOWN_AFTER_MS = 10_000;

function protectedRecord(name: string, hostId: string, hostEpoch: string): HaRecord {
  return { uuid: `uuid-${name}`, name, hostId, domid: 7, priority: "restart", configJson: "{}", hostEpoch };
}

describe("why a name is held by a guest no up host runs (what a refused create adds)", () => {
  it("an HA-protected guest lost with a host that came back under a new lease epoch: ha-enable, then destroy", async () => {
    const rig = await SchedulerRig.start(HOSTS);
    await rig.store.put("ha.uuid-db", JSON.stringify(protectedRecord("db", "h1", "an-older-epoch")));
    const refusal = nameHeldMessage("db", { uuid: "uuid-db", hostId: "h1" });
    const note = await rig.run(heldNameNote(rig.scheduler, refusal));
    expect(note).toBe(
      "h1 runs no such guest: the HA-protected db was lost when h1 restarted or fenced, and keeps its " +
        "name for its HA restart while HA is off: xsim ha-enable restarts it, then xsim destroy db ends it if it is not wanted; or xsim vm-reset-powerstate db --force marks it halted and frees the name",
    );
    await rig.stop();
  });

  it("a guest of a host that is down: it may still run there; host-declare-dead frees the name", async () => {
    const rig = await SchedulerRig.start(HOSTS);
    rig.cluster.killHost("h2");
    await rig.idle(DOWN_AFTER_MS);
    const refusal = nameHeldMessage("web", { uuid: "uuid-web", hostId: "h2" });
    expect(await rig.run(heldNameNote(rig.scheduler, refusal))).toBe(
      "h2 is down, and web may still run there; if h2 is gone for good, xsim host-declare-dead h2 halts its guests and frees their names",
    );
    await rig.stop();
  });

  it("adds nothing when the guest runs, when its record names the host's epoch now, or for other words; an unprotected guest gone: try again", async () => {
    const rig = await SchedulerRig.start(HOSTS);
    const running = rig.addGuest("h1", { name: "app", memoryMib: 64 });
    await rig.run(rig.scheduler.syncHost(rig.scheduler.requireHost("h1")));
    const runsNote = heldNameNote(
      rig.scheduler,
      nameHeldMessage("app", { uuid: running.uuid, hostId: "h1" }),
    );
    expect(await rig.run(runsNote)).toBeUndefined();
    const epoch = rig.scheduler.view.hosts.get("h1")?.leaseEpoch ?? "";
    expect(epoch, "the host's List names its epoch").not.toBe("");
    await rig.store.put("ha.uuid-db", JSON.stringify(protectedRecord("db", "h1", epoch)));
    const sameEpoch = heldNameNote(rig.scheduler, nameHeldMessage("db", { uuid: "uuid-db", hostId: "h1" }));
    expect(await rig.run(sameEpoch), "not lost by a restart: the reconcile decides").toBeUndefined();
    expect(
      await rig.run(heldNameNote(rig.scheduler, 'a domain named "x" already exists (domid 3)')),
    ).toBeUndefined();
    const gone = heldNameNote(rig.scheduler, nameHeldMessage("web", { uuid: "uuid-web", hostId: "h2" }));
    expect(await rig.run(gone), "unprotected, gone from an up host: the reconcile frees it").toBe(
      "h2 runs no such guest now (lost when h2 restarted?): the scheduler frees the name within 5 s; try again then",
    );
    await rig.stop();
  });
});
