import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFilledGuest,
  expectOnlyCopyOn,
  hostAt,
  startTestCluster,
  waitUntil,
  type TestCluster,
  type TestHost,
} from "./support/migration-cluster.js";
import { runXsim } from "./support/xsim-cli.js";

/**
 * QEMU's expected-downtime estimate (docs/specs/migration-statistics.md, "Estimates") during a real
 * live migration between host processes, read as a user reads it: `xsim migrations` and
 * `migrations --json` while it runs, `migrate --json` at the end. Orderings and signs only: how
 * large the estimate is depends on this machine's speed.
 */
/** 64 MiB at 8 MB/s: round 1 alone takes some 8 s, the later rounds resend the hot set. */
const BANDWIDTH = "8MB/s";
/** A hot set the guest rewrites all the time: every round after the first finds pages dirty. */
const BUSY_WORKLOAD = "wws:hot=8M,rate=20000";
/** The migration's whole run, on a loaded machine. */
const MIGRATION_TIMEOUT_MS = 120_000;

let cluster: TestCluster;
let a: TestHost;
let b: TestHost;
let home: string;

beforeAll(async () => {
  cluster = await startTestCluster("es", 2, 41);
  [a, b] = [hostAt(cluster, 0), hostAt(cluster, 1)];
  home = mkdtempSync(join(tmpdir(), "xsim-estimate-"));
});

afterAll(async () => {
  await cluster?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

/** `xsim -H a migrations --json`: the entry of the migration of `domain`, if listed. */
async function listedJson(domain: string): Promise<Json | undefined> {
  const run = await runXsim(home, "-H", a.address, "migrations", "--json");
  if (run.code !== 0) throw new Error(run.stderr);
  const entries = JSON.parse(run.stdout) as Json[];
  return entries.find((e) => (e["x-xsim"] as Json).domain === domain);
}

describe("the expected-downtime estimate of a live migration of a busy guest (real processes)", () => {
  it(
    "is above 0 once round 1 is over, labelled an estimate in migrations, migrations --json and migrate --json",
    async () => {
      await createFilledGuest(a, "busy", 64, BUSY_WORKLOAD);
      const migrating = runXsim(
        home,
        "-H",
        a.address,
        "migrate",
        "--json",
        "--bandwidth",
        BANDWIDTH,
        "busy",
        b.address,
      );
      let active: Json | undefined;
      let activeLine: string | undefined;
      await waitUntil(async () => {
        const entry = await listedJson("busy");
        const ram = entry?.ram as Json | undefined;
        if (entry?.status === "active" && Number(ram?.["dirty-sync-count"]) >= 2) {
          active ??= entry;
          // Read after round 2 began: the text line too carries an estimate by now.
          const text = await runXsim(home, "-H", a.address, "migrations");
          const line = text.stdout.split("\n").find((l) => /\bbusy\b/.test(l));
          if (line !== undefined && /\bactive\b/.test(line)) activeLine = line;
        }
        const over = entry !== undefined && entry.status !== "active" && entry.status !== "setup";
        return activeLine !== undefined || over;
      }, MIGRATION_TIMEOUT_MS);
      expect(active, "seen active in round 2 or later (slow the link if this fails)").toBeDefined();
      expect(active!["expected-downtime"], "after round 1 the estimate is computed").toBeGreaterThan(0);
      expect((active!["x-xsim"] as Json).estimates, "labelled an estimate in the JSON").toEqual({
        "expected-downtime": active!["expected-downtime"],
      });
      expect(active!.downtime, "no downtime measured while live").toBe(0);
      expect(activeLine, "xsim migrations read while still active").toBeDefined();
      const shown = / active {2}\d+ ms {2}expected downtime (\d+\.\d) ms \(estimate\)$/.exec(activeLine!);
      expect(shown, activeLine).not.toBeNull();
      expect(Number(shown![1]), "the text shows the estimate of round 2 on").toBeGreaterThan(0);

      const done = await migrating;
      expect(done.code, done.stderr).toBe(0);
      const final = JSON.parse(done.stdout) as Json;
      expect(final.status).toBe("completed");
      expect(final, "QEMU shows expected-downtime only while active").not.toHaveProperty("expected-downtime");
      const estimates = (final["x-xsim"] as Json).estimates as Json;
      expect(estimates["expected-downtime"], "the last estimate, from the final dirty set").toBeGreaterThan(
        0,
      );
      expect(Number(final.downtime), "the measured downtime beside it").toBeGreaterThan(0);
      const after = await runXsim(home, "-H", a.address, "migrations");
      expect(after.stdout).toMatch(/ completed {2}\d+ ms {2}downtime \d+\.\d ms$/m);
      await expectOnlyCopyOn(cluster.hosts, b, "busy");
    },
    MIGRATION_TIMEOUT_MS + 30_000,
  );
});
