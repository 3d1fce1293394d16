import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serviceEntry, startDetached, waitForReadyLine } from "./launcher.js";

/** The scheduler's id in its leader lease under `xsim up`: a restarted one takes its own lease back at once. */
export const UP_SCHEDULER_ID = "xsim-up-scheduler";

/** The supervisor entry point (services/wiring/supervise.ts), next to this file in dist/. */
function supervisorEntry(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "wiring", "supervise.js");
}

/** A loopback port free now (the kernel's choice), for a service that must keep its address. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free loopback port"))));
    });
  });
}

/**
 * `xsim up`'s scheduler, under the supervisor (restarted when it fails, as compose's
 * `restart: on-failure` does) and on a fixed loopback port, so a restarted scheduler is where
 * cluster.json says and the CLI finds it. Returns the supervisor's pid (what `xsim down` stops).
 */
export async function startSupervisedScheduler(
  natsUrl: string,
  extraArgs: readonly string[] = [],
): Promise<{ pid: number; address: string }> {
  const port = await freeLoopbackPort();
  const started = startDetached("scheduler", process.execPath, [
    supervisorEntry(),
    "scheduler",
    "--",
    process.execPath,
    serviceEntry("scheduler"),
    "--nats",
    natsUrl,
    "--listen",
    `127.0.0.1:${port}`,
    "--id",
    UP_SCHEDULER_ID,
    ...extraArgs,
  ]);
  const ready = await waitForReadyLine(started, "scheduler");
  return { pid: started.pid, address: ready.address };
}
