import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../support/host-process.js";
import { engineGoneWords } from "./docker-engine.js";

/**
 * deploy/docker/engine.sh's users: an engine another run still uses is not stopped under it (CI42 of
 * session 17 lost its dockerd mid-run). Stand-ins for `docker` and `dockerd` on PATH: dockerd marks
 * itself up in the state directory until TERM; `docker info` answers while that mark is there.
 */
const ENGINE_SH = join(REPO_ROOT, "deploy/docker/engine.sh");

let dir = "";
const users: ChildProcess[] = [];

function setUp(): void {
  dir = mkdtempSync(join(tmpdir(), "xsim-engine-users-"));
  const up = join(dir, "dockerd.up");
  writeFileSync(
    join(dir, "dockerd"),
    `#!/usr/bin/env bash\ntouch '${up}'\ntrap "rm -f '${up}'; exit 0" TERM\nwhile :; do sleep 0.1; done\n`,
  );
  writeFileSync(join(dir, "docker"), `#!/usr/bin/env bash\n[ "$1" = info ] && [ -e '${up}' ]\n`);
  chmodSync(join(dir, "dockerd"), 0o755);
  chmodSync(join(dir, "docker"), 0o755);
}

/** A live process standing for one run that uses the engine. */
function user(): number {
  const child = spawn("sleep", ["600"], { stdio: "ignore" });
  users.push(child);
  return child.pid!;
}

function engine(verb: "start" | "stop", userPid: number | undefined): string {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dir}:${process.env.PATH}`,
    XSIM_DOCKERD_STATE_DIR: dir,
  };
  if (userPid === undefined) delete env.XSIM_ENGINE_USER;
  else env.XSIM_ENGINE_USER = String(userPid);
  const result = spawnSync(ENGINE_SH, [verb], { env, encoding: "utf8", timeout: 30_000 });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

const engineUp = (): boolean => existsSync(join(dir, "dockerd.up"));

afterEach(async () => {
  // The users end first, so that the stop below stops the stand-in even after a failed assertion.
  for (const child of users.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const ended = once(child, "exit");
    child.kill();
    await ended;
  }
  engine("stop", undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe("deploy/docker/engine.sh users", () => {
  it("keeps the engine for a second run when the run that started it stops, and stops it after the last", () => {
    setUp();
    const first = user();
    const second = user();
    expect(engine("start", first)).toMatch(/started dockerd/);
    expect(engine("start", second)).toMatch(/already running/);
    expect(engine("stop", first)).toMatch(
      new RegExp(`left running for its other users \\(pids ${second} \\)`),
    );
    expect(engineUp()).toBe(true);
    expect(engine("stop", second)).toMatch(/stopped dockerd/);
    expect(engineUp()).toBe(false);
  });

  it("does not count a user whose process has ended", async () => {
    setUp();
    const first = user();
    const gone = user();
    expect(engine("start", first)).toMatch(/started dockerd/);
    expect(engine("start", gone)).toMatch(/already running/);
    const ended = once(users[1]!, "exit");
    users[1]!.kill("SIGKILL");
    await ended;
    expect(engine("stop", first)).toMatch(/stopped dockerd/);
    expect(engineUp()).toBe(false);
  });

  it("stops the engine it started for a caller that names no user, as before", () => {
    setUp();
    expect(engine("start", undefined)).toMatch(/started dockerd/);
    expect(engine("stop", undefined)).toMatch(/stopped dockerd/);
    expect(engineUp()).toBe(false);
  });

  it("says, when the engine is gone, whether its dockerd lives and what its log ended with", () => {
    setUp();
    const saved = process.env.XSIM_DOCKERD_STATE_DIR;
    process.env.XSIM_DOCKERD_STATE_DIR = dir;
    try {
      expect(engineGoneWords()).toMatch(/^no .*xsim-dockerd\.pid/);
      engine("start", undefined);
      writeFileSync(join(dir, "xsim-dockerd.log"), 'level=info msg=one\nlevel=fatal msg="out of disk"\n');
      expect(engineGoneWords()).toMatch(
        /^dockerd pid \d+ alive; last lines of .*\nlevel=info msg=one\nlevel=fatal msg="out of disk"$/,
      );
      engine("stop", undefined);
    } finally {
      if (saved === undefined) delete process.env.XSIM_DOCKERD_STATE_DIR;
      else process.env.XSIM_DOCKERD_STATE_DIR = saved;
    }
  });
});
