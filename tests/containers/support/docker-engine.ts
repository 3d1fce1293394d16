import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../support/host-process.js";

/** How long `docker info` may take to answer before the engine counts as absent. */
const DOCKER_INFO_TIMEOUT_MS = 15_000;
/** A cold image build (npm ci, tsc) on a slow CI machine; cached builds take seconds. */
const IMAGE_BUILD_TIMEOUT_MS = 600_000;

export const DOCKER_SKIP_MESSAGE =
  "container tests (tests/containers) skipped: no Docker engine answers `docker info`. " +
  "Run them with `XSIM_WITH_DOCKER=1 make test` (installs docker.io, docker-compose and busybox-static " +
  "from Debian and starts dockerd), or install docker.io and docker-compose and start dockerd.";

function dockerInfoAnswers(): boolean {
  const result = spawnSync("docker", ["info"], { stdio: "ignore", timeout: DOCKER_INFO_TIMEOUT_MS });
  return result.status === 0;
}

/**
 * Whether the container tests can run. With XSIM_WITH_DOCKER=1 and no engine, starts dockerd
 * (deploy/docker/engine.sh; CI's trap stops it) and fails loudly if it still does not answer: the
 * tests are skipped only when Docker was not asked for and is not there.
 */
export function dockerEngineReady(): boolean {
  if (dockerInfoAnswers()) return true;
  if (process.env.XSIM_WITH_DOCKER !== "1") {
    process.stderr.write(`${DOCKER_SKIP_MESSAGE}\n`);
    return false;
  }
  const started = spawnSync(join(REPO_ROOT, "deploy/docker/engine.sh"), ["start"], { encoding: "utf8" });
  if (started.status !== 0 || !dockerInfoAnswers())
    throw new Error(`XSIM_WITH_DOCKER=1 but no Docker engine answers: ${started.stderr}`);
  return true;
}

/** Builds the base stand-ins if needed and the xsim image (cached layers: seconds when unchanged). */
export function buildImages(): void {
  const result = spawnSync(join(REPO_ROOT, "deploy/docker/build-images.sh"), [], {
    encoding: "utf8",
    timeout: IMAGE_BUILD_TIMEOUT_MS,
  });
  if (result.status !== 0)
    throw new Error(`deploy/docker/build-images.sh failed (${result.status}): ${result.stderr}`);
}

/** `docker-compose` (v1) when installed, else `docker compose` (v2): the command and its first args. */
export function composeCommand(): { file: string; args: string[] } {
  const v1 = spawnSync("docker-compose", ["version"], { stdio: "ignore" });
  return v1.status === 0 ? { file: "docker-compose", args: [] } : { file: "docker", args: ["compose"] };
}

/** Lines of dockerd's log quoted when the engine stopped answering. */
const DOCKERD_LOG_TAIL_LINES = 20;

/**
 * When the engine has gone away mid-run: whether the dockerd engine.sh started still lives, and the
 * end of its log (deploy/docker/engine.sh's files), so that a failure says why.
 */
export function engineGoneWords(): string {
  const stateDir = process.env.XSIM_DOCKERD_STATE_DIR ?? "/tmp";
  const pidFile = join(stateDir, "xsim-dockerd.pid");
  const logFile = process.env.XSIM_DOCKERD_LOG ?? join(stateDir, "xsim-dockerd.log");
  const pid = existsSync(pidFile) ? readFileSync(pidFile, "utf8").trim() : "";
  const alive = pid !== "" && spawnSync("kill", ["-0", pid]).status === 0;
  const state =
    pid === ""
      ? `no ${pidFile} (engine.sh did not start it, or stopped it)`
      : `dockerd pid ${pid} ${alive ? "alive" : "gone"}`;
  const log = existsSync(logFile)
    ? readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-DOCKERD_LOG_TAIL_LINES)
    : [];
  return `${state}; last lines of ${logFile}:\n${log.join("\n")}`;
}

export function docker(args: string[]): string {
  const result = spawnSync("docker", args, { encoding: "utf8", timeout: DOCKER_INFO_TIMEOUT_MS });
  if (result.status !== 0) {
    const gone = result.stderr.includes("Cannot connect to the Docker daemon")
      ? `\n${engineGoneWords()}`
      : "";
    throw new Error(`docker ${args.join(" ")} failed: ${result.stderr}${gone}`);
  }
  return result.stdout.trim();
}
