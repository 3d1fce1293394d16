import { describe, expect, it } from "vitest";
import {
  describeExit,
  RESTART_COUNT_MAX,
  RESTART_DELAY_MS_MAX,
  RESTART_DELAY_MS_MIN,
  RESTART_WINDOW_MS,
  RestartPolicy,
} from "./supervisor.js";

const KILLED = { code: null, signal: "SIGKILL" };

describe("the supervisor's restart policy (on-failure)", () => {
  it("restarts a child killed by a signal or exiting non-zero, with a doubling delay up to the cap", () => {
    const policy = new RestartPolicy();
    const delays = [0, 1, 2, 3, 4, 5, 6].map((i) =>
      policy.decide(i % 2 ? KILLED : { code: 1, signal: null }, i, false),
    );
    expect(delays.map((d) => (d.kind === "restart" ? d.delayMs : -1))).toEqual([
      RESTART_DELAY_MS_MIN,
      RESTART_DELAY_MS_MIN * 2,
      RESTART_DELAY_MS_MIN * 4,
      RESTART_DELAY_MS_MIN * 8,
      RESTART_DELAY_MS_MIN * 16,
      RESTART_DELAY_MS_MAX,
      RESTART_DELAY_MS_MAX,
    ]);
    policy.ranWell();
    expect(policy.decide(KILLED, 7, false)).toEqual({ kind: "restart", delayMs: RESTART_DELAY_MS_MIN });
  });

  it("does not restart a child that exited 0 or that the supervisor was told to stop", () => {
    expect(new RestartPolicy().decide({ code: 0, signal: null }, 0, false).kind).toBe("stop");
    expect(new RestartPolicy().decide(KILLED, 0, true).kind).toBe("stop");
  });

  it("gives up after too many restarts within the window, and counts afresh once they are old", () => {
    const policy = new RestartPolicy();
    for (let i = 0; i < RESTART_COUNT_MAX; i++) expect(policy.decide(KILLED, i, false).kind).toBe("restart");
    expect(policy.decide(KILLED, RESTART_COUNT_MAX, false)).toMatchObject({ kind: "stop", why: /giving up/ });
    expect(policy.decide(KILLED, RESTART_WINDOW_MS + RESTART_COUNT_MAX, false).kind).toBe("restart");
  });

  it("says how a child ended", () => {
    expect(describeExit(KILLED)).toBe("killed by SIGKILL");
    expect(describeExit({ code: 3, signal: null })).toBe("exited with code 3");
  });
});
