import { describe, expect, it } from "vitest";
import { ClusterView } from "./cluster-view.js";
import { UnansweredHosts, UNANSWERED_HOST_DROP_MS } from "./unanswered-hosts.js";
import type { Heartbeat } from "../contracts/heartbeat.js";

function heartbeat(hostId: string): Heartbeat {
  return {
    hostId,
    address: `${hostId}:1`,
    sequence: 0,
    timeMs: 0,
    pcpus: 4,
    hvm: true,
    totalMemoryKib: 1 << 20,
    freeMemoryKib: 1 << 19,
    domainCount: 1,
    vcpusAllocated: 0,
    migrationsOutbound: 0,
    migrationsInbound: 0,
    intervalMs: 1000,
  };
}

describe("hosts that never answer", () => {
  it("leave the view after the bound; hosts that answered stay", () => {
    const view = new ClusterView();
    const unanswered = new UnansweredHosts();
    for (const id of ["ghost", "real"]) {
      view.onHeartbeat(heartbeat(id), 0);
      unanswered.noteAppeared(id, 0);
    }
    view.syncDomains("real", []);
    unanswered.noteAnswered("real");
    expect(unanswered.drop(view, UNANSWERED_HOST_DROP_MS)).toEqual([]);
    expect(unanswered.drop(view, UNANSWERED_HOST_DROP_MS + 1)).toEqual(["ghost"]);
    expect([...view.hosts.keys()]).toEqual(["real"]);
  });

  it("keep their first sighting while heartbeats keep coming, so a ghost cannot stay by beating", () => {
    const view = new ClusterView();
    const unanswered = new UnansweredHosts();
    for (let t = 0; t <= UNANSWERED_HOST_DROP_MS + 1000; t += 1000) {
      view.onHeartbeat({ ...heartbeat("ghost"), sequence: t / 1000 }, t);
      unanswered.noteAppeared("ghost", t);
    }
    expect(unanswered.drop(view, UNANSWERED_HOST_DROP_MS + 1000)).toEqual(["ghost"]);
  });
});
