import { defineConfig } from "vitest/config";
import { LongFirstSequencer } from "./tests/long-first-sequencer.js";

/**
 * Three projects, so that `make test` (tests/lanes.sh) can run them as lanes, each
 * with the parallelism its tests bear. `npx vitest run` still runs all three (one after the other per
 * vitest's groups), `npx vitest run --project processes` one of them.
 */

/** In-process tests: simulated clock, CPU-bound, no real time: they may share the CPUs freely. */
const UNIT_FILES = [
  "services/**/*.test.ts",
  "bench/**/*.test.ts",
  "tools/**/*.test.ts",
  "tests/sim/**/*.test.ts",
  "tests/support/**/*.test.ts",
  "tests/containers/support/**/*.test.ts",
];
/**
 * Real host processes, nats-server and gRPC on loopback, waiting on real time (HA timeouts of
 * seconds): mostly idle, but a starved host may see a false fence. Each file has its own
 * nats-server, free ports, temporary PKI and state directories, so files could run at once.
 */
const PROCESS_FILES = ["tests/*.test.ts"];
/** Compose clusters in Docker: heavy (five containers each) and timed: one at a time. */
const CONTAINER_FILES = ["tests/containers/*.test.ts"];

/**
 * Real-process files at once. Two at once (the container lane beside them) passed in 3 runs of 4; on
 * a loaded machine ha-standby's ha-enable was refused once: the scheduler's read of the statefile
 * timed out (2 s, CPU-starved) so the cluster never got HA on. One at a time, as before the lanes.
 */
const PROCESS_WORKERS_MAX = 1;
/** In-process files at once: they are CPU-bound, one per core of the 2-core CI machine. */
const UNIT_WORKERS_MAX = 2;

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { TESTCONTAINERS_RYUK_DISABLED: "true", TESTCONTAINERS_HOST_OVERRIDE: "localhost" },
    sequence: { sequencer: LongFirstSequencer },
    projects: [
      { extends: true, test: { name: "unit", include: UNIT_FILES, maxWorkers: UNIT_WORKERS_MAX } },
      {
        extends: true,
        test: {
          name: "processes",
          include: PROCESS_FILES,
          // The host processes run from dist/: build it once before the first file.
          globalSetup: ["tests/global-setup.ts"],
          maxWorkers: PROCESS_WORKERS_MAX,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "containers",
          include: CONTAINER_FILES,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
