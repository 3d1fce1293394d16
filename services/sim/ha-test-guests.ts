import { SimCluster, type SimClusterOptions } from "./cluster.js";
import { BROKER_ID } from "./network.js";
import { SimUser } from "./sim-user.js";
import { ToolstackError } from "../dom0/errors.js";

/** What the sim's HA tests share: four hosts of 1 GiB, a protected guest, where its copies are. */
export const HA_TEST_HOSTS = ["h1", "h2", "h3", "h4"].map((hostId) => ({ hostId, memoryMib: 1024 }));

/** An xl.cfg of a small protected guest (xsim_ha = "restart"). */
export function protectedConfig(name: string): string {
  return `name = "${name}"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nvcpus = 1\nxsim_ha = "restart"\n`;
}

/** Every domain named `name` on a running host: its host id, with (p) when paused; sorted. */
export function copiesOf(cluster: SimCluster, name: string): string[] {
  return [...cluster.hosts.values()]
    .filter((h) => h.process.state === "running")
    .flatMap((h) =>
      [...h.toolstack.records.values()]
        .filter((r) => r.name === name)
        .map((r) => `${h.hostId}${h.toolstack.domainOf(r).paused ? "(p)" : ""}`),
    )
    .sort();
}

/**
 * A cluster of HA_TEST_HOSTS with HA on (T = `haTimeoutMs`) and the protected guest `name` created
 * on `hostId`, listed and recorded by the scheduler; the user at xsim with it.
 */
export async function clusterWithGuestOn(
  seed: number,
  haTimeoutMs: number,
  hostId: string,
  name: string,
  options: Partial<SimClusterOptions> = {},
) {
  const cluster = await SimCluster.start({ seed, hosts: HA_TEST_HOSTS, haTimeoutMs, ...options });
  const user = new SimUser(cluster);
  await cluster.idle(2000);
  await cluster.run(user.createOn(hostId, protectedConfig(name), `${name}.cfg`));
  await cluster.idle(2000); // the scheduler lists the host and records the guest
  return { cluster, user };
}

/**
 * The protected guest dns on h1 (clusterWithGuestOn, over `hosts`), then `cutHostId` cut from the
 * broker past T: its lease unrenewed, so it refuses to let a protected guest go (docs/specs/ha.md
 * §4 rule 9) or to take one (rule 7) until it renews. Heartbeats ride the broker too: the
 * scheduler keeps the host up meanwhile.
 */
export async function clusterWithDnsOnH1AndHostCut(
  seed: number,
  haTimeoutMs: number,
  cutHostId: string,
  hosts = HA_TEST_HOSTS,
) {
  const options = { hosts, missedHeartbeatCountMax: 1000 };
  const { cluster, user } = await clusterWithGuestOn(seed, haTimeoutMs, "h1", "dns", options);
  cluster.network.partition([cutHostId], [BROKER_ID]);
  await cluster.idle(haTimeoutMs + 1000); // its lease unrenewed past T: unconfirmed
  return { cluster, user };
}

/** The error a user's verb ends with, run in the cluster; throws if it succeeded or threw no ToolstackError. */
export async function refusalOf(cluster: SimCluster, work: Promise<unknown>): Promise<ToolstackError> {
  const error = await cluster.run(
    work.then(
      () => undefined,
      (e: unknown) => e,
    ),
  );
  if (!(error instanceof ToolstackError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

/** An xl.cfg of a small unprotected guest. */
export function unprotectedConfig(name: string): string {
  return `name = "${name}"\ntype = "pvh"\nkernel = "/k"\nmemory = 64\nvcpus = 1\n`;
}

/** dns (protected) and web (unprotected) on h2, HA off unless `haTimeoutMs`, the scheduler up to date. */
export async function clusterWithGuestsOnH2(seed: number, haTimeoutMs?: number) {
  const cluster = await SimCluster.start({
    seed,
    hosts: HA_TEST_HOSTS,
    ...(haTimeoutMs === undefined ? {} : { haTimeoutMs }),
  });
  const user = new SimUser(cluster);
  await cluster.idle(2000);
  const dns = await cluster.run(user.createOn("h2", protectedConfig("dns"), "dns.cfg"));
  await cluster.run(user.createOn("h2", unprotectedConfig("web"), "web.cfg"));
  await cluster.idle(2000);
  return { cluster, user, dnsUuid: dns.uuid };
}
