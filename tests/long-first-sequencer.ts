import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The files that take longest (CI, session 13: seconds on one worker). Started first, they do not
 * end up alone at the tail of a lane while the other worker idles. A fresh clone has no vitest
 * cache, so vitest alone would order by file size, which puts some of these last.
 */
const LONG_FILES = [
  "tests/ha-broker-long.test.ts", // 114 s
  "services/sim/vopr/regressions.test.ts", // 111 s
  "tests/containers/kill-destination.test.ts", // 84 s
  "tests/containers/ha-docker-pause.test.ts", // 81 s
  "tests/ha-host-faults.test.ts", // 80 s
  "tests/ha-partition.test.ts", // 59 s
  "tests/containers/compose-demo.test.ts", // 45 s
  "tests/ha-broker-faults.test.ts", // 43 s
  "tests/ha-standby.test.ts", // 37 s
  "tests/cli.test.ts", // 29 s
  "tests/up-supervision.test.ts", // 27 s
  "services/sim/vopr/vopr.test.ts", // 27 s
];

function rank(spec: TestSpecification): number {
  const root = spec.project.config.root;
  const relative = spec.moduleId.startsWith(`${root}/`)
    ? spec.moduleId.slice(root.length + 1)
    : spec.moduleId;
  const index = LONG_FILES.indexOf(relative);
  return index < 0 ? LONG_FILES.length : index;
}

/** vitest's order (by project, then its cache or file size), with LONG_FILES first in each project. */
export class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // vitest's order keeps each project's files together; reorder within each run of one project
    // (Array.prototype.sort is stable: files of equal rank keep vitest's order).
    const runs: TestSpecification[][] = [];
    for (const spec of sorted) {
      const run = runs.at(-1);
      if (run && run[0]?.project === spec.project) run.push(spec);
      else runs.push([spec]);
    }
    return runs.flatMap((run) => run.sort((a, b) => rank(a) - rank(b)));
  }
}
