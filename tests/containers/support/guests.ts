import { unaryCall } from "../../../services/transport/grpc/host-client.js";
import type { DomainInfo } from "../../../services/gen/xensim/v1/host.js";
import type { MigrateRequest, MigrationStats } from "../../../services/gen/xensim/v1/migration.js";
import { PAGE_SIZE_BYTES, MIB } from "../../../services/core/units.js";
import {
  MIGRATE_DEFAULTS,
  MIGRATION_SUFFIXES,
  guestConfig,
  waitUntil,
} from "../../support/migration-cluster.js";
import type { ContainerHost } from "./compose-cluster.js";

/** How long `fill` may take to touch every page of a guest on a loaded machine. */
const FILL_TIMEOUT_MS = 60_000;

export async function domainsOf(host: ContainerHost): Promise<DomainInfo[]> {
  return (await unaryCall(host.client.list.bind(host.client), { domains: [] })).domains;
}

export async function domainOn(host: ContainerHost, name: string): Promise<DomainInfo | undefined> {
  return (await domainsOf(host)).find((d) => d.name === name);
}

/** Names of a guest's copies on one host: NAME, NAME--incoming, NAME--migratedaway. */
export async function copiesOn(host: ContainerHost, name: string): Promise<string[]> {
  const names = new Set([name, ...MIGRATION_SUFFIXES.map((suffix) => name + suffix)]);
  return (await domainsOf(host)).filter((d) => names.has(d.name)).map((d) => d.name);
}

export async function checksumOf(host: ContainerHost, name: string): Promise<string> {
  return (await unaryCall(host.client.memoryChecksum.bind(host.client), { domain: name })).checksum;
}

export async function setWorkload(host: ContainerHost, name: string, workload: string): Promise<void> {
  await unaryCall(host.client.setWorkload.bind(host.client), { domain: name, workload });
}

/** Creates a guest whose every page holds distinct bytes (`fill`), then gives it `workload`. */
export async function createFilledGuest(
  host: ContainerHost,
  name: string,
  memoryMib: number,
  workload: string,
  extraConfig = "",
): Promise<void> {
  await unaryCall(host.client.create.bind(host.client), {
    configText: guestConfig(name, memoryMib, "fill") + extraConfig,
    configFileName: `${name}.cfg`,
    overrides: [],
    paused: false,
    configJson: "",
  });
  const pageCount = (memoryMib * MIB) / PAGE_SIZE_BYTES;
  await waitUntil(async () => (await domainOn(host, name))?.populatedPages === pageCount, FILL_TIMEOUT_MS);
  await setWorkload(host, name, workload);
}

export interface MigrationRun {
  /** Every progress event, the final one last. */
  readonly events: MigrationStats[];
  /** The final statistics, or the stream's error. */
  readonly done: Promise<MigrationStats>;
}

/** Calls Migrate on `source` (reached from the test) towards `destination` (an address it can reach). */
export function migrate(
  source: ContainerHost,
  request: Partial<MigrateRequest> & { domain: string; destination: string },
): MigrationRun {
  const call = source.migration.migrate({ ...MIGRATE_DEFAULTS, ...request });
  const events: MigrationStats[] = [];
  const done = new Promise<MigrationStats>((resolve, reject) => {
    let final: MigrationStats | undefined;
    call.on("data", (event: { stats?: MigrationStats; final: boolean }) => {
      if (!event.stats) return;
      events.push(event.stats);
      if (event.final) final = event.stats;
    });
    call.on("error", reject);
    call.on("end", () => (final ? resolve(final) : reject(new Error("Migrate ended without a final event"))));
  });
  done.catch(() => undefined);
  return { events, done };
}
