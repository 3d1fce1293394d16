import { describe, expect, it } from "vitest";
import { Metadata, status } from "@grpc/grpc-js";
import { DomainInfo } from "../gen/xensim/v1/host.js";
import { answeredDownNote, listEveryHost } from "./every-host-list.js";
import type { HostTarget } from "./host-routing.js";

const host = (hostId: string): HostTarget => ({ hostId, address: `${hostId}:9000` });
const domain = (name: string): DomainInfo => DomainInfo.fromPartial({ name, domid: 1 });
/** A failed call as grpc-js rejects it: an Error with the status code, details and trailers. */
const noAnswer = (code: status, details: string) =>
  Object.assign(new Error(details), { code, details, metadata: new Metadata() });

describe("xsim list -c: every host asked, the ones the scheduler sees down too", () => {
  it("lists a down host that answers (cut from the broker only), and names the silent ones apart", async () => {
    const answers: Record<string, () => Promise<DomainInfo[]>> = {
      h1: () => Promise.resolve([domain("web")]),
      h2: () => Promise.reject(noAnswer(status.UNAVAILABLE, "No connection established")),
      h3: () => Promise.resolve([domain("db")]),
      h4: () => Promise.reject(noAnswer(status.DEADLINE_EXCEEDED, "h4 did not answer List within 20 s")),
    };
    const seenDown: string[] = [];
    const listed = await listEveryHost([host("h1"), host("h2")], [host("h3"), host("h4")], (h, down) => {
      if (down) seenDown.push(h.hostId);
      return answers[h.hostId]!();
    });
    expect(seenDown).toEqual(["h3", "h4"]); // asked under the shorter deadline
    expect(listed.domains.map((d) => `${d.hostId} ${d.domain.name}`)).toEqual(["h1 web", "h3 db"]);
    expect(listed.answeredDownHostIds).toEqual(["h3"]);
    expect(listed.unreachableHostIds).toEqual(["h4"]);
    expect(listed.unansweredHosts).toEqual(["h2: No connection established"]);
    expect(answeredDownNote(listed.answeredDownHostIds)).toBe(
      "xsim: listed, though the scheduler sees it down (no heartbeat): host h3, which answered (cut from the broker, or late)",
    );
  });

  it("a host's refusal other than silence is the command's error", async () => {
    const refused = noAnswer(status.PERMISSION_DENIED, "not allowed");
    await expect(listEveryHost([], [host("h3")], () => Promise.reject(refused))).rejects.toBe(refused);
  });

  it("a down host without an address is not asked", async () => {
    const asked: string[] = [];
    const listed = await listEveryHost([], [{ hostId: "h5", address: "" }], (h) => {
      asked.push(h.hostId);
      return Promise.resolve([]);
    });
    expect(asked).toEqual([]);
    expect(listed.unreachableHostIds).toEqual(["h5"]);
  });

  it("names the scheduler's broker outage first when it has one", () => {
    expect(
      answeredDownNote(
        ["rn1", "rn2"],
        "nats-server (nats://127.0.0.1:4222) is unreachable from the scheduler",
      ),
    ).toBe(
      "xsim: nats-server (nats://127.0.0.1:4222) is unreachable from the scheduler; listed all the same: hosts rn1, rn2 answered",
    );
  });

  it("says nothing when no down host answered", () => {
    expect(answeredDownNote([])).toBeUndefined();
  });
});
