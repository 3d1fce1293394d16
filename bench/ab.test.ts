import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  hostMainPath,
  parseAbOptions,
  parseSide,
  roundOrder,
  securityArgs,
  summarizeInProcess,
  summarizeSides,
  AB_ROUND_COUNT_DEFAULT,
} from "./ab.js";

describe("parseSide", () => {
  it("takes a label, a dist directory and node flags for the host", () => {
    expect(parseSide("gc=dist,--max-semi-space-size=16,--trace-gc", 0)).toEqual({
      label: "gc",
      distDir: resolve("dist"),
      hostNodeArgs: ["--max-semi-space-size=16", "--trace-gc"],
    });
  });

  it("names an unlabelled side by its letter", () => {
    expect(parseSide("/tmp/ab/old/dist", 1)).toMatchObject({ label: "B", distDir: "/tmp/ab/old/dist" });
  });

  it("refuses a node flag without dashes and an empty directory, naming the side", () => {
    expect(() => parseSide("x=dist,max-semi-space-size=16", 0)).toThrow(
      /side "x=dist,max.*must start with --/,
    );
    expect(() => parseSide("x=", 0)).toThrow(/no dist directory/);
    expect(() => parseSide("a b=dist", 0)).toThrow(/label "a b"/);
  });
});

describe("parseAbOptions", () => {
  it("needs two sides with distinct labels", () => {
    expect(() => parseAbOptions(["dist"])).toThrow(/two sides or more/);
    expect(() => parseAbOptions(["x=dist", "x=/tmp/dist"])).toThrow(/same label/);
  });

  it("reads the counts and refuses bad ones", () => {
    const options = parseAbOptions(["--concurrency", "8", "dist", "/tmp/old/dist"]);
    expect(options).toMatchObject({ roundCount: AB_ROUND_COUNT_DEFAULT, concurrency: 8 });
    expect(options.sides.map((side) => side.label)).toEqual(["A", "B"]);
    expect(() => parseAbOptions(["--rounds", "0", "a", "b"])).toThrow(/--rounds "0"/);
    expect(() => parseAbOptions(["--duration-ms", "1.5", "a", "b"])).toThrow(/--duration-ms "1.5"/);
  });

  it("measures real hosts unless asked for the in-process round trips", () => {
    expect(parseAbOptions(["a", "b"]).inProcessRoundTripCount).toBeUndefined();
    expect(parseAbOptions(["--in-process", "6000", "a", "b"]).inProcessRoundTripCount).toBe(6000);
    expect(() => parseAbOptions(["--in-process", "0", "a", "b"])).toThrow(/--in-process "0"/);
  });
});

describe("roundOrder", () => {
  it("puts each side first once every N rounds", () => {
    expect(roundOrder(2, 0)).toEqual([0, 1]);
    expect(roundOrder(2, 1)).toEqual([1, 0]);
    const firsts = [0, 1, 2].map((round) => roundOrder(3, round)[0]);
    expect(firsts.sort()).toEqual([0, 1, 2]);
  });
});

describe("builds", () => {
  const dir = mkdtempSync(join(tmpdir(), "xsim-ab-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("says which side's build is missing and how to make it", () => {
    expect(() => hostMainPath({ label: "old", distDir: dir, hostNodeArgs: [] })).toThrow(
      /side old: .*services\/host\/main.js is missing \(build it: bench\/ab-build.sh/,
    );
    mkdirSync(join(dir, "services", "host"), { recursive: true });
    writeFileSync(join(dir, "services", "host", "main.js"), "");
    expect(hostMainPath({ label: "old", distDir: dir, hostNodeArgs: [] })).toBe(
      join(dir, "services", "host", "main.js"),
    );
  });

  it("passes --insecure only to builds that know it (TLS came with 97f7c07)", () => {
    expect(securityArgs('"insecure": { type: "boolean" }')).toEqual(["--insecure"]);
    expect(securityArgs('"host-id": { type: "string" }')).toEqual([]);
  });
});

describe("summarizeSides", () => {
  it("reports medians with their spread and the host CPU relative to the first side", () => {
    const run = (cpu: number, rate: number) => ({
      roundTripsPerSecond: rate,
      hostCpuUsPerRoundTrip: cpu,
      benchCpuUsPerRoundTrip: 300,
    });
    const lines = summarizeSides(
      [
        { label: "old", distDir: "a", hostNodeArgs: [] },
        { label: "new", distDir: "b", hostNodeArgs: [] },
      ],
      [
        [run(400, 1500), run(500, 1200), run(450, 1300)],
        [run(600, 1000), run(700, 900), run(650, 950)],
      ],
    );
    expect(lines[0]).toContain("median 450 µs (400..500, 1.000 of old)");
    expect(lines[1]).toContain("median 650 µs (600..700, 1.444 of old)");
    expect(lines[1]).toContain("round trips/s median 950 (900..1000)");
  });
});

describe("summarizeInProcess", () => {
  it("reports each side's median CPU per round trip with its spread, relative to the first", () => {
    const sides = ["wave1", "main"].map((label) => ({ label, distDir: label, hostNodeArgs: [] }));
    const lines = summarizeInProcess(sides, [
      [190, 200, 210],
      [230, 250, 240],
    ]);
    expect(lines[0]).toContain("median 200.0 µs (190.0..210.0, 1.000 of wave1); 3 runs");
    expect(lines[1]).toContain("median 240.0 µs (230.0..250.0, 1.200 of wave1)");
  });
});
