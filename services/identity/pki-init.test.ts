import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  initClusterPki,
  NATS_CONFIG_FILE,
  POOL_FILE,
  POOL_HOST_COUNT_MAX,
  type PkiInitOptions,
} from "./pki-init.js";
import { parsePkiInitArgs } from "./pki-init-args.js";
import { loadIdentity } from "./pki.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function options(overrides: Partial<PkiInitOptions> = {}): PkiInitOptions {
  const pkiDir = mkdtempSync(join(tmpdir(), "xsim-pki-init-"));
  dirs.push(pkiDir);
  return {
    pkiDir,
    hostIds: ["host1", "host2"],
    poolHostCount: 2,
    poolPrefix: "extra",
    natsListen: "0.0.0.0:4222",
    natsStoreDir: "/tmp/nats/jetstream",
    ...overrides,
  };
}

describe("pki-init: a containerised cluster's identity in a volume", () => {
  it("issues the named hosts, a pool, the services, and nats-server's users for all of them", () => {
    const init = options();
    const result = initClusterPki(init);
    expect(result.caCreated).toBe(true);
    expect(result.hostIds).toEqual(["extra1", "extra2", "host1", "host2"]);
    for (const id of result.hostIds) expect(loadIdentity(init.pkiDir, "host", id).name).toBe(id);
    expect(loadIdentity(init.pkiDir, "operator", "operator").role).toBe("operator");
    const config = readFileSync(join(init.pkiDir, NATS_CONFIG_FILE), "utf8");
    for (const id of result.hostIds) expect(config).toContain(`user: "CN=${id},OU=host,O=xsim"`);
    expect(config).toContain('listen: "0.0.0.0:4222"');
    expect(readFileSync(join(init.pkiDir, POOL_FILE), "utf8")).toBe("extra1\nextra2\n");
  });

  it("run again, keeps the CA and every identity issued, and adds only what a larger pool needs", () => {
    const init = options();
    initClusterPki(init);
    const caBefore = readFileSync(join(init.pkiDir, "ca.pem"), "utf8");
    const host1Before = loadIdentity(init.pkiDir, "host", "host1").certPem;
    const again = initClusterPki({ ...init, poolHostCount: 3 });
    expect(again.caCreated).toBe(false);
    expect(again.issued).toEqual(["host extra3"]);
    expect(readFileSync(join(init.pkiDir, "ca.pem"), "utf8")).toBe(caBefore);
    expect(loadIdentity(init.pkiDir, "host", "host1").certPem).toBe(host1Before);
    // A smaller pool later still leaves nats-server a user for every identity one could have claimed.
    const smaller = initClusterPki({ ...init, poolHostCount: 1 });
    expect(smaller.hostIds).toContain("extra3");
    expect(readFileSync(join(init.pkiDir, POOL_FILE), "utf8")).toBe("extra1\n");
  });

  it("refuses a pool beyond its limit and bad flags, naming the flag, and makes nothing", () => {
    const init = options({ poolHostCount: POOL_HOST_COUNT_MAX + 1 });
    expect(() => initClusterPki(init)).toThrow(/pool of 257 hosts/);
    const flags = {
      dir: "/x",
      hosts: "",
      pool: "0",
      "pool-prefix": "extra",
      "nats-listen": "a",
      "nats-store-dir": "b",
    };
    expect(() => parsePkiInitArgs({ ...flags, dir: undefined })).toThrow(/--dir DIR is required/);
    expect(() => parsePkiInitArgs({ ...flags, hosts: "host1,bad/id" })).toThrow(/--hosts: "bad\/id"/);
    expect(() => parsePkiInitArgs({ ...flags, hosts: "scheduler" })).toThrow(/may not be named "scheduler"/);
    expect(() => parsePkiInitArgs({ ...flags, pool: "-1" })).toThrow(/--pool "-1"/);
    expect(parsePkiInitArgs({ ...flags, hosts: "host1, host2", pool: "4" })).toMatchObject({
      hostIds: ["host1", "host2"],
      poolHostCount: 4,
    });
  });
});
