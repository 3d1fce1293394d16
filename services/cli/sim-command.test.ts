import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../sim/scenario.js";
import { formatRecords, runScenario } from "./sim-command.js";

const FILE = "tests/sim/ha-restart.sim";

async function run(): Promise<string> {
  const scenario = parseScenario(readFileSync(FILE, "utf8"), FILE, (p) => readFileSync(p, "utf8"));
  return formatRecords(await runScenario(scenario));
}

describe("xsim sim", () => {
  it("runs migration, evacuation and an HA restart in one process, the same output for the same seed", async () => {
    const output = await run();
    expect(output).toMatch(/status: completed/);
    expect(output).toMatch(/host-evacuate h3: done/);
    expect(output).toMatch(/HA: restarted db \(restart\) on h[13]/);
    expect(output).toMatch(/\] xsim: Name +ID/);
    expect(await run()).toBe(output);
  }, 120_000);

  it("pauses and unpauses on the guest's host; prints the host's refusal of an unpause (ha.md §4 rule 8)", async () => {
    const text = [
      "seed 3",
      "host h1 memory=1024",
      "host h2 memory=1024",
      "domain web memory=64 ha=restart",
      "at 0s ha-enable 5s",
      "at 0s create web on h1",
      "at 2s pause web",
      "at 3s broker down",
      "at 12s unpause web",
      "at 13s broker up",
      "at 20s unpause web",
      "at 21s end",
    ].join("\n");
    const output = formatRecords(await runScenario(parseScenario(text, "p.sim", () => "")));
    expect(output).toMatch(/\[ +2\.000\] xsim: paused web on h1$/m);
    // Past T with the broker down the lease is unconfirmed: refused, said, and the run goes on.
    expect(output).toMatch(
      /\[ +12\.000\] xsim: unpause web: an HA-protected guest cannot be unpaused on host h1 now: its HA lease was last renewed \d+ ms ago; nothing was changed, it stays paused/,
    );
    expect(output).toMatch(/\[ +20\.000\] xsim: unpaused web on h1$/m);
  }, 60_000);

  it("runs its hosts at the scenario's heartbeat interval: a killed host is found out later", async () => {
    const text = (heartbeat: string) =>
      [heartbeat, "host h1 memory=1024", "host h2 memory=1024", "at 8s kill h2", "at 40s end"].join("\n");
    const downAtS = async (heartbeat: string) => {
      const output = formatRecords(await runScenario(parseScenario(text(heartbeat), "k.sim", () => "")));
      const line = /\[ *([\d.]+)\] scheduler: host h2 is down \(no heartbeat for (\d+) ms\)/.exec(output);
      expect(line, output).not.toBeNull();
      return Number(line![1]);
    };
    const everySecond = await downAtS("");
    const everySeven = await downAtS("heartbeat 7s");
    // Down after a few missed heartbeats: a few seconds at 1 s, a few times 7 s at 7 s.
    expect(everySecond - 8).toBeLessThan(7);
    expect(everySeven - 8).toBeGreaterThan(7);
  }, 60_000);

  it("names file:line for a bad line", () => {
    expect(() => parseScenario("host h1\nat 1s fly away\n", "x.sim", () => "")).toThrow(
      /x\.sim:2: unknown operation "fly"/,
    );
  });
});
