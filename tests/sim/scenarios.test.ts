import { describe, expect, it } from "vitest";
import { runCli } from "../../services/cli/main.js";

/**
 * The integration scenarios of issue 10 in one process: each file runs through `xsim sim` itself
 * (runCli, as bin/xsim.js runs it), twice, and must print the same bytes both times.
 */

const SCENARIO_TIMEOUT_MS = 120_000;

interface Line {
  atMs: number;
  source: string;
  text: string;
}

async function xsimSim(file: string): Promise<string> {
  let out = "";
  let err = "";
  const code = await runCli(["sim", file], { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`) });
  expect(err, "xsim sim writes nothing to stderr").toBe("");
  expect(code).toBe(0);
  return out;
}

/** Runs a scenario twice: the output, checked byte-identical, and its records. */
async function runTwice(file: string): Promise<{ output: string; lines: Line[] }> {
  const output = await xsimSim(file);
  expect(await xsimSim(file), "same seed and scenario, same bytes").toBe(output);
  return { output, lines: parse(output) };
}

/** `[   1.000] source: text` records, continuation lines folded into their record. */
function parse(output: string): Line[] {
  const lines: Line[] = [];
  for (const raw of output.trimEnd().split("\n")) {
    const match = /^\[\s*(\d+\.\d{3})\] ([^:]+): (.*)$/.exec(raw);
    if (match) lines.push({ atMs: Math.round(Number(match[1]) * 1000), source: match[2]!, text: match[3]! });
    else lines[lines.length - 1]!.text += `\n${raw.trim()}`;
  }
  return lines;
}

function indexOf(lines: Line[], source: string, pattern: RegExp): number {
  const index = lines.findIndex((l) => l.source === source && pattern.test(l.text));
  expect(index, `${source}: ${String(pattern)}`).toBeGreaterThanOrEqual(0);
  return index;
}

function count(lines: Line[], pattern: RegExp): number {
  return lines.filter((l) => pattern.test(`${l.source}: ${l.text}`)).length;
}

/** The rows of the last `xsim list` at or before `atMs`: name -> "host domid". */
function listAt(lines: Line[], atMs: number): Map<string, string> {
  const list = lines.filter((l) => l.source === "xsim" && l.text.startsWith("Name") && l.atMs <= atMs).at(-1);
  expect(list, `a list at ${atMs} ms`).toBeDefined();
  const rows = new Map<string, string>();
  for (const row of list!.text.split("\n").slice(1)) {
    const words = row.split(/\s+/);
    const [name, domid] = words;
    expect(rows.has(name!), `${name} listed once`).toBe(false);
    rows.set(name!, `${words.at(-1)} ${domid}`);
  }
  return rows;
}

/** `checksum NAME on HOST: HEX ...` lines: [host, hex] in order. */
function checksums(lines: Line[], name: string): Array<[string, string]> {
  return lines
    .map((l) => new RegExp(`^checksum ${name} on (\\S+): ([0-9a-f]{16}) `).exec(l.text))
    .filter((m) => m !== null)
    .map((m) => [m[1]!, m[2]!]);
}

function number(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  expect(match, String(pattern)).not.toBeNull();
  return Number(match![1]);
}

describe("tests/sim/migration.sim: a live migration through the full handshake", () => {
  it(
    "prints rounds, pages and a downtime measured on the simulated clock; memory equal at the destination",
    async () => {
      const { lines } = await runTwice("tests/sim/migration.sim");
      // The handshake, in order: the destination's NAME--incoming, the source's NAME--migratedaway,
      // then the destination renames and runs it.
      const incoming = indexOf(lines, "h2", /^domain created: web--incoming /);
      const away = indexOf(lines, "h1", /^domain renamed: web--migratedaway /);
      const renamed = indexOf(lines, "h2", /^domain renamed: web \(domid \d+\) oldName=web--incoming/);
      const migratedIn = indexOf(lines, "h2", /^domain migrated-in: web /);
      expect(incoming).toBeLessThan(away);
      expect(away).toBeLessThan(renamed);
      expect(renamed).toBeLessThan(migratedIn);

      const started = lines[indexOf(lines, "scheduler", /^migrate web .*: h1 -> h2$/)]!;
      const stats = lines[indexOf(lines, "xsim", /^Migration .*: web h1 -> h2/)]!;
      expect(stats.text).toMatch(/status: completed/);
      expect(stats.text).toMatch(/bandwidth limit: fixed 200Mbit\/s/);
      const totalMs = number(stats.text, /total time: ([\d.]+) ms/);
      const setupMs = number(stats.text, /setup: ([\d.]+) ms/);
      const downtimeMs = number(stats.text, / {2}downtime: ([\d.]+) ms/);
      // Measured on the simulated clock: the figure is the time between the two stamps.
      expect(Math.abs(totalMs - (stats.atMs - started.atMs))).toBeLessThan(1);
      const rounds = [
        ...stats.text.matchAll(/^\s*(\d+)\s+(live|stop-and-copy)\s+(\d+)\s+(\d+)\s+([\d.]+) ms/gm),
      ];
      // A busy working set: several live rounds before the stop-and-copy.
      expect(rounds.length).toBeGreaterThanOrEqual(3);
      expect(rounds.at(-1)![2]).toBe("stop-and-copy");
      expect(rounds.slice(0, -1).every((r) => r[2] === "live")).toBe(true);
      expect(Number(rounds[0]![3]), "round 1 sends every page of 64 MiB").toBe(16384);
      expect(Number(rounds[0]![4]), "the working set dirtied pages meanwhile").toBeGreaterThan(0);
      const roundsMs = rounds.reduce((sum, r) => sum + Number(r[5]), 0);
      // The rounds fill the transfer (the handshake after it takes a link latency, 0 by default).
      expect(roundsMs).toBeGreaterThan(0.9 * (totalMs - setupMs));
      expect(roundsMs).toBeLessThan(totalMs - setupMs + 0.1 * rounds.length);
      // Paused for the last round at least, and not longer than the whole migration.
      expect(downtimeMs).toBeGreaterThanOrEqual(Number(rounds.at(-1)![5]) - 0.1);
      expect(downtimeMs).toBeLessThan(totalMs);
      const pagesSent = rounds.reduce((sum, r) => sum + Number(r[3]), 0);
      expect(stats.text).toContain(`normal pages: ${pagesSent} `);
      expect(stats.text).toContain(`pages verified at destination: ${pagesSent}`);

      // Stopped writing, the guest moves back; its memory at the destination is what it was.
      const sums = checksums(lines, "web");
      expect(sums.map(([host]) => host)).toEqual(["h2", "h1"]);
      expect(sums[1]![1]).toBe(sums[0]![1]);
      expect([...listAt(lines, Infinity)]).toEqual([["web", "h1 2"]]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("tests/sim/evacuate.sim: host-evacuate of a host with several guests", () => {
  it(
    "moves each guest once, leaves none behind, and keeps an idle guest's memory",
    async () => {
      const { lines } = await runTwice("tests/sim/evacuate.sim");
      indexOf(lines, "xsim", /^host-evacuate h1: done$/);
      const names = ["a", "b", "c", "d", "e"];
      for (const name of names) {
        expect(count(lines, new RegExp(`^h1: domain migrated-out: ${name} `)), name).toBe(1);
        expect(count(lines, new RegExp(`^xsim: migrate ${name} completed`)), name).toBe(1);
      }
      const listed = listAt(lines, Infinity);
      expect([...listed.keys()].sort()).toEqual(names);
      for (const [name, where] of listed) expect(where, name).not.toMatch(/^h1 /);
      const sums = checksums(lines, "b");
      expect(sums[0]![0]).toBe("h1");
      expect(sums[1]![0]).not.toBe("h1");
      expect(sums[1]![1]).toBe(sums[0]![1]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("tests/sim/fencing.sim: fencing under a partition, HA on", () => {
  it(
    "a host cut from the broker keeps its guests; one cut from its peers fences, then its guest restarts once",
    async () => {
      const { lines } = await runTwice("tests/sim/fencing.sim");
      const cutFromBroker = indexOf(lines, "network", /^partition h2 from broker$/);
      const firstHeal = indexOf(lines, "network", /^healed$/);
      const brokerPhase = lines.slice(cutFromBroker, firstHeal + 1).map((l) => `${l.source}: ${l.text}`);
      expect(brokerPhase.filter((l) => /fencing|holding|revoked|HA: restarted/.test(l))).toEqual([]);

      const cutFromPeers = indexOf(lines, "network", /^partition h1 from h2 h3$/);
      expect(cutFromPeers).toBeGreaterThan(firstHeal);
      const fence = indexOf(
        lines,
        "h1",
        /^HA: fencing \(lease lapsed .* outside the majority\): destroyed db$/,
      );
      const fenceEvent = indexOf(lines, "h1", /^domain fenced: db \(domid 1\)$/);
      const revoked = indexOf(lines, "scheduler", /^HA: revoked the lease of h1 /);
      const restarted = indexOf(lines, "scheduler", /^HA: restarted db \(restart\) on h[23]$/);
      const target = /on (h[23])$/.exec(lines[restarted]!.text)![1]!;
      const created = indexOf(lines, target, /^domain created: db /);
      expect(cutFromPeers).toBeLessThan(fenceEvent);
      expect(fenceEvent).toBeLessThan(fence);
      expect(fence, "fenced before the scheduler revoked").toBeLessThan(revoked);
      expect(revoked, "revoked before the restart").toBeLessThan(created);
      expect(lines[created]!.atMs).toBeGreaterThan(lines[fence]!.atMs);
      expect(count(lines, /^scheduler: HA: restarted /), "one restart in all").toBe(1);
      expect(count(lines, /: domain created: db /), "db created twice: by the user, by HA").toBe(2);

      const final = listAt(lines, Infinity);
      expect(final.get("db")).toBe(`${target} 1`);
      expect(final.get("web"), "unprotected: never fenced").toBe("h1 2");
      expect(final.get("app"), "the same app, never restarted").toBe("h2 1");
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("tests/sim/broker-outage.sim: the broker down for 4 x T, HA on", () => {
  it(
    "restarts nothing, fences nothing, loses nothing",
    async () => {
      const { lines } = await runTwice("tests/sim/broker-outage.sim");
      const down = indexOf(lines, "broker", /^down$/);
      const up = indexOf(lines, "broker", /^up$/);
      expect(lines[up]!.atMs - lines[down]!.atMs).toBe(20_000);
      expect(
        count(lines, /fencing|holding|revoked|HA: restarted|HA: lost|domain destroyed|migrated-out/),
      ).toBe(0);
      indexOf(lines, "scheduler", /^HA: statefile unreachable, nothing decided/);
      indexOf(lines, "scheduler", /^HA: statefile reachable again; observing leases afresh$/);
      // The CLI still reached the host during the outage.
      const during = lines[indexOf(lines, "xsim", /^checksum cache on h2: /)]!;
      expect(during.atMs).toBeGreaterThan(lines[down]!.atMs);
      expect(during.atMs).toBeLessThan(lines[up]!.atMs);
      expect(listAt(lines, Infinity)).toEqual(
        new Map([
          ["db", "h1 1"],
          ["cache", "h2 1"],
          ["web", "h3 1"],
        ]),
      );
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("tests/sim/rack.sim: 16 hosts and 60 guests declared with ranges; a row of 4 hosts dies", () => {
  it(
    "restarts each protected guest of the dead row once, after its host's revocation, and reports the rest lost",
    async () => {
      const { lines } = await runTwice("tests/sim/rack.sim");
      const deadRow = ["h01", "h02", "h03", "h04"];
      const before = listAt(lines, 10_000);
      expect(before.size, "every guest the ranges declare was created").toBe(60);
      const hostOf = (row: string) => row.split(" ")[0]!;
      expect(new Set([...before.values()].map(hostOf)).size, "placed over all 16 hosts").toBe(16);
      const onDeadRow = [...before].filter(([, row]) => deadRow.includes(hostOf(row))).map(([name]) => name);
      const protectedLost = onDeadRow.filter((name) => name.startsWith("db"));
      const unprotectedLost = onDeadRow.filter((name) => name.startsWith("web"));
      expect(protectedLost.length).toBeGreaterThan(0);
      expect(unprotectedLost.length).toBeGreaterThan(0);

      for (const hostId of deadRow) {
        const revoked = indexOf(lines, "scheduler", new RegExp(`^HA: revoked the lease of ${hostId} `));
        for (const name of protectedLost.filter((n) => hostOf(before.get(n)!) === hostId)) {
          const restarts = lines.filter((l) => new RegExp(`^HA: restarted ${name} `).test(l.text));
          expect(restarts.length, `${name} restarted once`).toBe(1);
          expect(
            lines.indexOf(restarts[0]!),
            `${name} restarted after ${hostId}'s revocation`,
          ).toBeGreaterThan(revoked);
        }
      }
      const reportedLost = lines
        .filter((l) => l.source === "scheduler" && /^HA: lost with h0[1-4] \(unprotected\): /.test(l.text))
        .flatMap((l) => l.text.split(": ").at(-1)!.split(", "));
      expect(reportedLost.sort()).toEqual([...unprotectedLost].sort());

      const after = listAt(lines, Infinity);
      const expected = [...before.keys()].filter((name) => !unprotectedLost.includes(name)).sort();
      expect([...after.keys()].sort(), "every guest but the lost unprotected ones, once").toEqual(expected);
      for (const [name, row] of after)
        expect(deadRow, `${name} not on the dead row`).not.toContain(hostOf(row));
      expect(count(lines, /HA: restarted/)).toBe(protectedLost.length);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("tests/sim/declare-dead.sim: host-declare-dead of a host killed with HA off", () => {
  it(
    "is refused while the cluster sees the host alive; then halts its guests, whose names a create takes again",
    async () => {
      const { lines } = await runTwice("tests/sim/declare-dead.sim");
      const xsim = (atMs: number) => lines.filter((l) => l.source === "xsim" && l.atMs === atMs);
      expect(xsim(6000)[0]?.text).toMatch(
        /cannot declare h2 dead: it is alive: the scheduler had a heartbeat/,
      );
      expect(xsim(10_000)[0]?.text).toMatch(
        /^create dns: a domain named "dns" already exists in the cluster/,
      );
      expect(xsim(12_000)[0]?.text).toMatch(/cannot declare h2 dead: it may be alive: .* less than T = 30 s/);
      expect(xsim(40_000)[0]?.text).toMatch(
        /^host-declare-dead h2: declared dead \(lease epoch \S+ revoked\) and disabled\nhalted: dns, web\nh2 takes no guest until you run host-enable h2 once it is repaired$/,
      );
      expect(count(lines, /^xsim: created (dns|web) on h[13] /)).toBe(2);
      expect(xsim(42_000)[0]?.text).toMatch(
        /^host-declare-dead h2: declared dead before .* and disabled\nhalted: none\nh2 takes no guest until/,
      );
      const listed = listAt(lines, Infinity);
      expect([...listed.keys()].sort()).toEqual(["dns", "web"]);
      for (const where of listed.values()) expect(where).toMatch(/^h[13] 1$/);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("tests/sim/reset-powerstate.sim: vm-reset-powerstate, host-declare-dead and host-enable with HA off", () => {
  it(
    "is refused without --force and while the host is listed; then frees the name; a declared-dead host takes no guest until host-enable",
    async () => {
      const { lines } = await runTwice("tests/sim/reset-powerstate.sim");
      const xsim = (atMs: number) =>
        lines.filter((l) => l.source === "xsim" && l.atMs === atMs).map((l) => l.text);
      expect(xsim(6000)[0]).toMatch(
        /^vm-reset-powerstate web: cannot reset .* needs --force: .*; nothing was changed$/,
      );
      expect(xsim(7000)[0]).toMatch(
        /^vm-reset-powerstate web: cannot reset .* it is not lost: the scheduler lists it on h2 .*; nothing was changed$/,
      );
      expect(xsim(40_000)[0]).toMatch(
        /^vm-reset-powerstate web: power state reset to halted \(it ran on h2: h2 is dead: .*\); its HA record and name are free/,
      );
      expect(xsim(41_000)[0]).toMatch(/^created web on h[13] /);
      expect(xsim(42_000)[0]).toMatch(/^host-declare-dead h2: declared dead .* and disabled\nhalted: dns\n/);
      expect(xsim(50_000)).toEqual(["host-disable h1: disabled"]);
      expect(xsim(51_000)[0], "h1 disabled by the user, h2 declared dead (back since 43 s): only h3").toMatch(
        /^created db on h3 /,
      );
      expect(xsim(52_000)).toEqual(["host-enable h1: up", "host-enable h2: up"]);
      expect(xsim(53_000)[0]).toMatch(/^created dns on h[12] /);
      const listed = listAt(lines, Infinity);
      expect([...listed.keys()].sort()).toEqual(["db", "dns", "web"]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("tests/sim/migrate-cancel.sim: a migration cancelled in mid-stream", () => {
  it(
    "ends cancelled; the destination drops web--incoming, the guest runs on at the source with its memory",
    async () => {
      const { lines } = await runTwice("tests/sim/migrate-cancel.sim");
      const incoming = indexOf(lines, "h2", /^domain created: web--incoming /);
      const cancelled = indexOf(lines, "xsim", /^migrate-cancel web: h1 -> h2 cancelling$/);
      const dropped = indexOf(lines, "h2", /^domain destroyed: web--incoming /);
      const stats = lines[indexOf(lines, "xsim", /^Migration .*: web h1 -> h2\n\s*status: cancelled /)]!;
      expect(incoming).toBeLessThan(cancelled);
      expect(cancelled).toBeLessThan(dropped);
      expect(stats.text).toMatch(
        /the migration of web was cancelled: the operator asked \(xsim migrate-cancel\)/,
      );
      // Cancelled at 5 s, a second into the stream: it had sent part of the guest, not all.
      expect(stats.atMs).toBeGreaterThanOrEqual(5000);
      expect(stats.atMs).toBeLessThan(6000);
      expect(number(stats.text, /remaining: ([\d.]+) MiB/)).toBeGreaterThan(0);
      // The source never stepped aside during the cancelled migration.
      const away = lines.findIndex(
        (l) => l.source === "h1" && /^domain renamed: web--migratedaway/.test(l.text),
      );
      expect(lines[away]!.atMs, "only the second migration hands web over").toBe(10_000);
      indexOf(lines, "xsim", /^migrate-cancel web: this host sends no migration of web /);
      expect([...listAt(lines, 9000)]).toEqual([["web", "h1 1"]]);
      const sums = checksums(lines, "web");
      expect(sums.map(([host]) => host)).toEqual(["h1", "h1", "h2"]);
      expect(new Set(sums.map(([, hex]) => hex)).size, "the same memory throughout").toBe(1);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
