import { describe, expect, it } from "vitest";
import { formatDeclaredDead, formatPowerStateReset } from "./ha-commands.js";

describe("xsim host-declare-dead's words (docs/specs/ha.md §7)", () => {
  it("say the host is disabled and how to enable it once repaired, as XAPI's declare_dead disables it", () => {
    const reply = {
      hostId: "h3",
      leaseEpoch: "e3",
      halted: ["dns", "web"],
      restarting: [],
      elsewhere: [],
      alreadyDead: false,
      disabled: true,
    };
    expect(formatDeclaredDead(reply)).toBe(
      [
        "h3: declared dead (lease epoch e3 revoked) and disabled",
        "halted: dns, web",
        "h3 takes no guest until you run host-enable h3 once it is repaired",
      ].join("\n"),
    );
    expect(formatDeclaredDead({ ...reply, alreadyDead: true, halted: [] })).toBe(
      [
        "h3: declared dead before (lease epoch e3) and disabled",
        "halted: none",
        "h3 takes no guest until you run host-enable h3 once it is repaired",
      ].join("\n"),
    );
  });
});

describe("xsim vm-reset-powerstate's words (docs/specs/ha.md §8)", () => {
  const reply = {
    name: "dns",
    uuid: "u1",
    hostId: "h2",
    lostBecause: "h2 is dead: no heartbeat, no answer, its HA lease (epoch e2) unchanged for T",
    halted: true,
  };

  it("say what became of the guest, why it cannot run where it was, and what to do next", () => {
    expect(formatPowerStateReset(reply)).toBe(
      "dns: power state reset to halted (it ran on h2: h2 is dead: no heartbeat, no answer, its HA lease " +
        "(epoch e2) unchanged for T); its HA record and name are free: create it again to start it",
    );
  });

  it("never say halted when its name was taken meanwhile (an HA restart, a restore)", () => {
    expect(formatPowerStateReset({ ...reply, halted: false })).toMatch(
      /^dns: not reset: its name was taken meanwhile \(an HA restart or a restore starts it; its HA record is dropped\) \(it ran on h2: /,
    );
  });
});
