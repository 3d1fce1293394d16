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

/** The demo's own lines, without compose's `demo_1  | ` prefix. */
function demoLines(output: string): string[] {
  return output.split("\n").map((line) => line.replace(/^\S*demo\S*\s+\|\s?/, ""));
}

/** The lines `xsim ...args` printed: after its `$ xsim ...` echo, up to the next command or section. */
function commandOutput(lines: readonly string[], command: string): string[] {
  const start = lines.lastIndexOf(`$ xsim ${command}`);
  if (start < 0) return [];
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith("$ xsim ") || line.startsWith("=== "));
  return end < 0 ? rest : rest.slice(0, end);
}

/** What the evacuation of host1 printed: how many it announced, where each went, host1's end state. */
function checkEvacuation(output: string): void {
  const lines = demoLines(output);
  const evacuation = commandOutput(lines, "host-evacuate host1");
  const announced = /evacuating (\d+) domains from host1/.exec(evacuation.join("\n"));
  expect(announced, output).not.toBeNull();
  const migrated = evacuation.filter((line) => /^migrate\s+\S+ host1 -> host\d\s+completed/.test(line));
  expect(migrated.length).toBeGreaterThanOrEqual(2);
  expect(migrated).toHaveLength(Number(announced?.[1]));
  expect(evacuation.join("\n")).toMatch(/host1 is empty and disabled/);
  // The last host-list: host1 disabled, only Domain-0 (1 domain, 0 guest vCPUs) and all memory free.
  const host1Row = commandOutput(lines, "host-list").find((line) => line.startsWith("host1 "));
  expect(host1Row?.split(/\s+/).slice(0, 7)).toEqual(["host1", "disabled", "16", "16384", "15360", "1", "0"]);
  const onHost1 = commandOutput(lines, "-H host1:50051 list").filter((line) => !line.startsWith("Name"));
  expect(onHost1.map((line) => line.split(/\s+/)[0])).toEqual(["Domain-0"]);
}

/** How every xsim process starts its stderr under --insecure (services/transport/tls/cluster-credentials.ts). */
const INSECURE_WARNING = "WARNING: --insecure";
const HOSTS = ["host1", "host2", "host3"];

describe.skipIf(!withDocker)("the docker-compose demo (README, docker-compose)", () => {
  it(
    "runs to the end: domains created and placed, host3 refuses HVM, a live migration, host1 evacuated",
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
        // Security is on: the PKI init service made the cluster's identity, no service runs --insecure,
        // and a client without a certificate (the demo's own `xsim --insecure`) is refused.
        const init = await runCompose(projectName, ["logs", "--no-color", "pki-init"]);
        expect(init.output).toMatch(/pki-init: made a new cluster CA/);
        expect(demo.output).toMatch(/\(refused, as it must be: only members of the cluster may act\)/);
        const services = await runCompose(projectName, ["logs", "--no-color", "scheduler", ...HOSTS]);
        expect(services.output).toMatch(/host host1 is up/);
        expect(services.output).not.toContain(INSECURE_WARNING);
        expect(demo.output).toMatch(/Created domain web/);
        expect(demo.output).toMatch(/Created domain win \(domid \d+\) on host\d/);
        expect(demo.output).toMatch(/host3 has no hardware virtualisation support/);
        expect(demo.output).toMatch(/web\s+host1 -> host2\s+completed/);
        expect(demo.output).toMatch(/^.*round\s+phase\s+pages sent/m);
        const checksums = [
          ...demo.output.matchAll(/memory checksum of db on host\d (?:before|after):\s+(\w+)/g),
        ];
        expect(checksums.map((m) => m[1])).toHaveLength(2);
        expect(checksums[0]?.[1]).toBe(checksums[1]?.[1]);
        checkEvacuation(demo.output);
      } finally {
        await runCompose(projectName, ["down", "--timeout", "0", "--volumes"]);
      }
    },
    DEMO_TIMEOUT_MS,
  );
});
