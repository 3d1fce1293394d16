import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { MIGRATION_SUFFIXES } from "../../support/migration-cluster.js";
import { HOST_PORT, type ContainerHost } from "./compose-cluster.js";
import { domainsOf } from "./guests.js";

const execFileAsync = promisify(execFile);

/** `docker exec` of the CLI (node start-up included) on a loaded machine. */
const EXEC_TIMEOUT_MS = 15_000;
/** Pause between two samples of every host's list. */
const SAMPLE_PAUSE_MS = 50;

/** A domain as one host lists it. */
export interface ListedDomain {
  readonly domid: number;
  readonly name: string;
  readonly uuid: string;
}

/** Reads one host's domains (Dom0 included) by some path that still reaches it. */
export interface HostLister {
  readonly hostId: string;
  list(): Promise<ListedDomain[]>;
}

/** Through the port docker published (dead once the container was cut off and connected again). */
export function listerViaPort(host: ContainerHost): HostLister {
  return { hostId: host.service, list: () => domainsOf(host) };
}

/** `xsim -H 127.0.0.1:50051 list -l` inside the container: works while it is cut off, and after. */
export function listerInside(host: ContainerHost): HostLister {
  return {
    hostId: host.service,
    list: async () => {
      const args = ["exec", host.container.getId(), "xsim", "-H", `127.0.0.1:${HOST_PORT}`, "list", "-l"];
      const { stdout } = await execFileAsync("docker", args, { timeout: EXEC_TIMEOUT_MS });
      return listedDomains(stdout);
    },
  };
}

/** `xsim list -l` prints libxl's JSON: `[{"domid": N, "config": {"c_info": {"name", "uuid"}}}]`. */
export function listedDomains(listLongJson: string): ListedDomain[] {
  const entries = JSON.parse(listLongJson) as Array<{
    domid: number;
    config: { c_info: { name: string; uuid?: string } };
  }>;
  return entries.map((e) => ({
    domid: e.domid,
    name: e.config.c_info.name,
    uuid: e.config.c_info.uuid ?? "",
  }));
}

export interface DoubleRunReport {
  readonly sampleCount: number;
  /** "KEY on A and B" for every name or uuid seen on two hosts in one sample. */
  readonly doubles: string[];
  /** Lists that could not be read (a sample with one is not counted). */
  readonly errors: string[];
}

/** The key a guest keeps across a migration: its name without the migration suffix, and its uuid. */
function keysOf(domain: ListedDomain): string[] {
  let name = domain.name;
  for (const suffix of MIGRATION_SUFFIXES) if (name.endsWith(suffix)) name = name.slice(0, -suffix.length);
  return [`name ${name}`, `uuid ${domain.uuid}`];
}

/** The doubles in one sample: every host's DomUs, read at about the same time. */
export function doublesIn(lists: ReadonlyArray<{ hostId: string; domains: ListedDomain[] }>): string[] {
  const seen = new Map<string, string>();
  const doubles: string[] = [];
  for (const { hostId, domains } of lists) {
    for (const domain of domains) {
      if (domain.domid === 0) continue;
      for (const key of keysOf(domain)) {
        const other = seen.get(key);
        if (other !== undefined && other !== hostId) doubles.push(`${key} on ${other} and ${hostId}`);
        seen.set(key, hostId);
      }
    }
  }
  return doubles;
}

/** Reads every host's list over and over until stopped, noting any guest that runs on two at once. */
export function startDoubleRunSampler(listers: readonly HostLister[]) {
  let running = true;
  let sampleCount = 0;
  const doubles: string[] = [];
  const errors: string[] = [];
  const loop = (async () => {
    while (running) {
      try {
        const lists = await Promise.all(
          listers.map(async (l) => ({ hostId: l.hostId, domains: await l.list() })),
        );
        doubles.push(...doublesIn(lists));
        sampleCount++;
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_PAUSE_MS));
    }
  })();
  return {
    get sampleCount() {
      return sampleCount;
    },
    stop: async (): Promise<DoubleRunReport> => {
      running = false;
      await loop;
      return { sampleCount, doubles, errors };
    },
  };
}
