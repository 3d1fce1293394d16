import { procStatusKib } from "./proc.js";
import { runIdleCluster } from "./simcluster.js";
import type { IdleRunFigures } from "./simcluster-idle.js";

// One idle run of bench:simcluster in a process of its own, so that its peak RSS is its own and node's
// flags (--max-semi-space-size) can differ from run to run. Prints one JSON line of figures. Its peak
// is /proc's VmHWM, which starts afresh at exec (getrusage's maxrss keeps the forking parent's).
// Usage: node simcluster-idle-run.js SEED HOSTS SIMULATED_MS HEARTBEAT_INTERVAL_MS [census] [own-seconds] [warmup=MS]

async function main(): Promise<void> {
  const [seed, hostCount, simulatedMs, heartbeatIntervalMs] = process.argv.slice(2, 6).map(Number);
  if (
    [seed, hostCount, simulatedMs, heartbeatIntervalMs].some((n) => n === undefined || !Number.isInteger(n))
  )
    throw new Error(
      "usage: simcluster-idle-run.js SEED HOSTS SIMULATED_MS HEARTBEAT_INTERVAL_MS [census] [own-seconds] [warmup=MS]",
    );
  const extras = process.argv.slice(6);
  const warmup = extras.find((arg) => arg.startsWith("warmup="));
  const warmupMs = warmup === undefined ? 0 : Number(warmup.slice("warmup=".length));
  if (!Number.isInteger(warmupMs) || warmupMs < 0) throw new Error(`bad ${warmup}: warmup=MS, MS >= 0`);
  const figures = await runIdleCluster(seed!, hostCount!, simulatedMs!, {
    heartbeatIntervalMs: heartbeatIntervalMs!,
    census: extras.includes("census"),
    ownSeconds: extras.includes("own-seconds"),
    warmupMs,
  });
  const run: IdleRunFigures = { ...figures, maxRssKib: procStatusKib(process.pid, "VmHWM") };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`simcluster-idle-run: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
