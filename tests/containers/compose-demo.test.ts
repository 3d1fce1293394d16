import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/host-process.js";
import { buildImages, composeCommand, dockerEngineReady } from "./support/docker-engine.js";

/** Image build (cached), compose up with health checks, and the demo's migrations. */
const DEMO_TIMEOUT_MS = 600_000;

const withDocker = dockerEngineReady();

interface Finished {
  code: number | null;
  output: string;
}

function runCompose(projectName: string, args: string[]): Promise<Finished> {
  const compose = composeCommand();
  const child = spawn(compose.file, [...compose.args, "-p", projectName, ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

describe.skipIf(!withDocker)("the docker-compose demo (README, docker-compose)", () => {
  it(
    "runs to the end: domains created, host3 refuses HVM, a live migration and a checked one complete",
    async () => {
      buildImages();
      const projectName = `xsimdemo${randomBytes(4).toString("hex")}`;
      try {
        const demo = await runCompose(projectName, [
          "up",
          "--no-build",
          "--no-color",
          "--exit-code-from",
          "demo",
          "demo",
        ]);
        expect(demo.code, demo.output).toBe(0);
        expect(demo.output).toMatch(/Created domain web/);
        expect(demo.output).toMatch(/host3 has no hardware virtualisation support/);
        expect(demo.output).toMatch(/web\s+host1 -> host2\s+completed/);
        expect(demo.output).toMatch(/^.*round\s+phase\s+pages sent/m);
        const checksums = [
          ...demo.output.matchAll(/memory checksum of db on host\d (?:before|after):\s+(\w+)/g),
        ];
        expect(checksums.map((m) => m[1])).toHaveLength(2);
        expect(checksums[0]?.[1]).toBe(checksums[1]?.[1]);
      } finally {
        await runCompose(projectName, ["down", "--timeout", "0", "--volumes"]);
      }
    },
    DEMO_TIMEOUT_MS,
  );
});
