import { describe, expect, it } from "vitest";
import { parseScenario } from "./scenario.js";

const HEAD = "host h1\nhost h2\ndomain web memory=64\n";

function parse(lines: string) {
  return parseScenario(`${HEAD}${lines}`, "x.sim", () => "");
}

describe("parseScenario: the operations of docs/sim.md", () => {
  it("reads the hosts' heartbeat interval, only within what the scheduler accepts of one", () => {
    expect(parse("").heartbeatIntervalMs).toBeUndefined();
    expect(parseScenario("heartbeat 7s\nhost h1\n", "x.sim", () => "").heartbeatIntervalMs).toBe(7000);
    expect(() => parseScenario("heartbeat 5ms\nhost h1\n", "x.sim", () => "")).toThrow(
      /x\.sim:1: heartbeat 5ms is outside 10 ms\.\.60 s/,
    );
    expect(() => parseScenario("host h1\nheartbeat 2m\n", "x.sim", () => "")).toThrow(
      /x\.sim:2: heartbeat 2m/,
    );
    expect(() => parseScenario("heartbeat 1.5ms\nhost h1\n", "x.sim", () => "")).toThrow(/whole ms/);
    expect(() => parseScenario("heartbeat\nhost h1\n", "x.sim", () => "")).toThrow(/takes one duration/);
  });

  it("reads migrate's destination and xsim migrate's --bandwidth and --policy", () => {
    const [step] = parse("at 2s migrate web h2 bandwidth=100Mbit/s policy=qemu\n").steps;
    expect(step?.op).toEqual({
      kind: "migrate",
      domain: "web",
      hostId: "h2",
      bandwidth: "100Mbit/s",
      policy: "qemu",
    });
    expect(parse("at 2s migrate web\n").steps[0]?.op).toEqual({
      kind: "migrate",
      domain: "web",
      hostId: undefined,
      bandwidth: "",
      policy: "",
    });
  });

  it("reads workload, checksum and a partition from named processes", () => {
    const ops = parse(
      "at 1s workload web wws:hot=8M,rate=20000\nat 2s checksum web\nat 3s partition h1 from h2 broker\nat 4s partition h2 from broker\nat 5s partition h1\n",
    ).steps.map((s) => s.op);
    expect(ops).toEqual([
      { kind: "workload", domain: "web", workload: "wws:hot=8M,rate=20000" },
      { kind: "checksum", domain: "web" },
      { kind: "partition", hostIds: ["h1"], from: ["h2", "broker"] },
      { kind: "partition", hostIds: ["h2"], from: ["broker"] },
      { kind: "partition", hostIds: ["h1"], from: undefined },
    ]);
  });

  it("reads declare-dead (xsim host-declare-dead) of a declared host", () => {
    expect(parse("at 40s declare-dead h2\n").steps.map((s) => s.op)).toEqual([
      { kind: "declare-dead", hostId: "h2" },
    ]);
  });

  it("reads host-enable, host-disable and vm-reset-powerstate [--force], as the CLI's verbs", () => {
    expect(
      parse(
        "at 1s host-disable h1\nat 2s host-enable h1\nat 3s vm-reset-powerstate web\nat 4s vm-reset-powerstate web --force\n",
      ).steps.map((s) => s.op),
    ).toEqual([
      { kind: "host-disable", hostId: "h1" },
      { kind: "host-enable", hostId: "h1" },
      { kind: "vm-reset-powerstate", domain: "web", force: false },
      { kind: "vm-reset-powerstate", domain: "web", force: true },
    ]);
  });

  it.each([
    ["at 1s host-enable h3", /x\.sim:4: no host or process "h3"/],
    ["at 1s host-disable", /x\.sim:4: host-disable needs a host/],
    ["at 1s vm-reset-powerstate", /x\.sim:4: vm-reset-powerstate needs a domain/],
    [
      "at 1s vm-reset-powerstate web --forse",
      /x\.sim:4: vm-reset-powerstate NAME \[--force\], got "--forse"/,
    ],
    ["at 1s vm-reset-powerstate web --force now", /x\.sim:4: vm-reset-powerstate NAME \[--force\]/],
    ["at 1s declare-dead", /x\.sim:4: declare-dead needs a host/],
    ["at 1s declare-dead h7", /x\.sim:4: no host or process "h7" \(declared: h1, h2\)/],
    ["at 1s migrate web h2 bandwidth=fast", /x\.sim:4: bandwidth "fast": invalid bandwidth/],
    ["at 1s migrate web h2 policy=magic", /x\.sim:4: policy "magic": unknown pre-copy policy/],
    ["at 1s migrate web h2 speed=1G", /x\.sim:4: migrate knows bandwidth= and policy=, not speed=/],
    ["at 1s migrate web h1 h2", /x\.sim:4: migrate takes one destination, got h1 h2/],
    ["at 1s migrate web h9", /x\.sim:4: no host or process "h9"/],
    ["at 1s create web on h9", /x\.sim:4: no host or process "h9" \(declared: h1, h2\)/],
    ["at 1s workload web", /x\.sim:4: workload needs a workload/],
    ["at 1s workload web spin:rate=3", /x\.sim:4: workload "spin:rate=3": /],
    ["at 1s checksum", /x\.sim:4: checksum needs a domain/],
    ["at 1s partition h1 from", /x\.sim:4: partition \.\.\. from needs processes/],
    ["at 1s partition from h2", /x\.sim:4: partition needs hosts/],
    [
      "at 1s partition h1 from h3",
      /x\.sim:4: no host or process "h3" \(declared: h1, h2, scheduler, broker\)/,
    ],
    ["at 1s kill h3", /x\.sim:4: no host or process "h3"/],
    ["at 1s stall h5 2s", /x\.sim:4: no host or process "h5"/],
    ["at 1s create db", /x\.sim:4: no domain "db" is declared/],
  ])("%s: a clear error naming file:line (line 4, after the 3 lines of HEAD)", (line, error) => {
    expect(() => parse(`${line}\n`)).toThrow(error);
  });
});

describe("parseScenario: ranges (NAME{A..B}) and names declared twice", () => {
  it("declares a range of hosts and of domains, and creates, migrates and kills a range", () => {
    const scenario = parseScenario(
      "host h{1..3} memory=1024\ndomain vm{01..04} memory=32 ha=restart\nat 0s create vm{01..04}\nat 1s migrate vm{01..02} h3\nat 2s kill h{1..2}\nat 3s partition h{1..2} from broker\n",
      "x.sim",
      () => "",
    );
    expect(scenario.hosts.map((h) => [h.hostId, h.memoryMib])).toEqual([
      ["h1", 1024],
      ["h2", 1024],
      ["h3", 1024],
    ]);
    expect([...scenario.domains.keys()]).toEqual(["vm01", "vm02", "vm03", "vm04"]);
    expect(scenario.domains.get("vm03")?.cfgText).toMatch(/name = "vm03"[\s\S]*xsim_ha = "restart"/);
    expect(
      scenario.steps.map((s) => [s.atMs, s.op.kind, "domain" in s.op ? s.op.domain : undefined]),
    ).toEqual([
      [0, "create", "vm01"],
      [0, "create", "vm02"],
      [0, "create", "vm03"],
      [0, "create", "vm04"],
      [1000, "migrate", "vm01"],
      [1000, "migrate", "vm02"],
      [2000, "kill", undefined],
      [2000, "kill", undefined],
      [3000, "partition", undefined],
    ]);
    expect(scenario.steps.slice(6).map((s) => s.op)).toEqual([
      { kind: "kill", hostId: "h1" },
      { kind: "kill", hostId: "h2" },
      { kind: "partition", hostIds: ["h1", "h2"], from: ["broker"] },
    ]);
  });

  it.each([
    ["host h1\nhost h1\n", /x\.sim:2: host "h1" is declared twice/],
    ["host h{1..3}\nhost h{3..4}\n", /x\.sim:2: host "h3" is declared twice/],
    ["host h1\ndomain web\ndomain web memory=64\n", /x\.sim:3: domain "web" is declared twice/],
    ["host h1\ndomain vm{1..2} file=vm.cfg\n", /x\.sim:2: a range of domains takes inline settings/],
    ["host h{2..1}\n", /x\.sim:1: "h\{2\.\.1\}": the range must go up/],
    ["host h1\ndomain vm{1..3}\nat 0s create vm{1..4}\n", /x\.sim:3: no domain "vm4" is declared/],
    ["host h1\nat 0s kill h{1..2}\n", /x\.sim:2: no host or process "h2"/],
  ])("%j: a clear error naming file:line", (text, error) => {
    expect(() => parseScenario(text, "x.sim", () => "")).toThrow(error);
  });
});
