import { spawn, type ChildProcess } from "node:child_process";
import { describeExit, RestartPolicy, type ChildExit } from "../cli/supervisor.js";

/** A child that ran this long without failing counts as healthy again (the delay starts over). */
export const RAN_WELL_MS = 30_000;

/**
 * `node dist/services/wiring/supervise.js NAME -- COMMAND ARGS...`: runs COMMAND, restarts it when
 * it fails (cli/supervisor.ts), forwards SIGTERM/SIGINT to it and exits with it. `xsim up` starts
 * the scheduler under it, on a fixed address, so a restarted scheduler is found where the CLI and
 * cluster.json expect it. The child's output goes where the supervisor's goes (the service's log).
 */
function main(): void {
  const separator = process.argv.indexOf("--");
  const name = process.argv[2] ?? "service";
  const [command, ...args] = separator < 0 ? [] : process.argv.slice(separator + 1);
  if (command === undefined) {
    process.stderr.write("usage: supervise.js NAME -- COMMAND [ARGS...]\n");
    process.exit(2);
  }
  const log = (line: string) =>
    process.stderr.write(`${new Date().toISOString()} supervisor(${name}): ${line}\n`);
  const policy = new RestartPolicy();
  let child: ChildProcess | undefined;
  let stopping = false;
  const start = () => {
    const startedMs = Date.now();
    const running = spawn(command, args, { stdio: "inherit" });
    child = running;
    const healthy = setTimeout(() => policy.ranWell(), RAN_WELL_MS);
    running.once("exit", (code, signal) => {
      clearTimeout(healthy);
      const exit: ChildExit = { code, signal };
      const decision = policy.decide(exit, Date.now(), stopping);
      if (decision.kind === "stop") {
        if (!stopping) log(`${name} ${describeExit(exit)}: not restarted (${decision.why})`);
        process.exit(code ?? 1);
      }
      log(
        `${name} (pid ${running.pid ?? "?"}) ${describeExit(exit)} after ${Date.now() - startedMs} ms: restarting in ${decision.delayMs} ms`,
      );
      setTimeout(() => (stopping ? process.exit(0) : start()), decision.delayMs);
    });
  };
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    else process.exit(0);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  start();
}

main();
