import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  DockerComposeEnvironment,
  Wait,
  type StartedDockerComposeEnvironment,
  type StartedTestContainer,
} from "testcontainers";
import { REPO_ROOT } from "../../support/host-process.js";
import { connectHost } from "../../../services/transport/grpc/host-client.js";
import { connectMigrationWatch } from "../../../services/transport/grpc/migration-service.js";
import type { HostClient } from "../../../services/gen/xensim/v1/host.js";
import type { MigrationClient } from "../../../services/gen/xensim/v1/migration.js";
import type { SchedulerClient } from "../../../services/gen/xensim/v1/scheduler.js";
import { connectScheduler } from "../../../services/cli/scheduler-client.js";
import { composeCommand, docker } from "./docker-engine.js";
import type { ServiceIdentity } from "../../../services/identity/pki.js";
import { useClusterSecurity } from "../../../services/transport/tls/cluster-credentials.js";

/** The port every host listens on inside its container (docker-compose.yml). */
export const HOST_PORT = 50051;
/** The host services of docker-compose.yml. */
export const HOST_SERVICES = ["host1", "host2", "host3"] as const;
/** Docker's short container id, which compose adds as a network alias (a scaled host's hostname). */
const SHORT_ID_LENGTH = 12;
/** Where every xsim container mounts the cluster's PKI volume (docker-compose.yml, XSIM_PKI). */
export const PKI_MOUNT = "/var/lib/xsim-pki";
/** compose up, health checks included, on a loaded CI machine. */
const STARTUP_TIMEOUT_MS = 300_000;

/** One host container of the compose project, reached from the test through its published port. */
export interface ContainerHost {
  readonly service: string;
  /** The address other containers use (its hostname), which Migrate takes as destination. */
  readonly internalAddress: string;
  /** The address this test process uses (the loopback port docker published). */
  readonly externalAddress: string;
  readonly container: StartedTestContainer;
  readonly client: HostClient;
  readonly migration: MigrationClient;
}

export interface ComposeCluster {
  readonly projectName: string;
  /** The named volume pki-init made the cluster's PKI in (mount it at PKI_MOUNT, read-only). */
  readonly pkiVolume: string;
  /** The project's network (`<project>_default`), where the services reach each other by name. */
  readonly network: string;
  /**
   * Networks of the test's own, outside the cluster's, one per host: the double-run sampler is on
   * all of them, each host only on its own, as `observed-SERVICE`. No service uses them and
   * `partition` does not cut them, so the sampler still reads a host the cluster lost, while the
   * hosts share no network but the cluster's (one shared network would give the peers a path
   * around the cut: Docker's DNS resolves a host's name on every network it is on).
   */
  readonly observerNetworks: readonly string[];
  readonly hosts: readonly ContainerHost[];
  /** The scheduler service, when asked for. */
  readonly scheduler: SchedulerClient | undefined;
  host(service: string): ContainerHost;
  /** SIGKILLs a service's container (docker kill), as a power cut would. */
  kill(service: string): void;
  /**
   * SIGKILLs every process of a service's container but its init (`docker exec ... kill -9 -1`): the
   * service dies as a crash would, so compose's restart policy applies (a `docker kill` would count as
   * stopped by hand and not be restarted).
   */
  crash(service: string): void;
  /** How often Docker restarted a service's container (its restart policy at work). */
  restartCount(service: string): number;
  /** Runs a command inside a service's container and returns its stdout. */
  exec(service: string, command: string[]): string;
  /** Freezes every process of a service's container (docker pause: SIGSTOP through the cgroup freezer). */
  pause(service: string): void;
  unpause(service: string): void;
  /** A service's container output (docker logs). */
  logs(service: string): string;
  /** Cuts a service's container off the project network (docker network disconnect). */
  partition(service: string): void;
  /**
   * Connects it again under the names the others know it by (service name and short id). Its
   * published port stays dead (Docker 20.10 does not map it again): reach it with `xsim()`.
   */
  heal(service: string): void;
  /** A service's output (stdout and stderr), each line with the time Docker read it (`docker logs -t`). */
  timedLogs(service: string): LogLine[];
  /** Runs `xsim -H 127.0.0.1:50051 ...args` inside a service's container (works while cut off). */
  xsim(service: string, args: string[]): string;
  down(): Promise<void>;
}

/** A line of a container's output and when Docker read it (ms since the epoch, this machine's clock). */
export interface LogLine {
  readonly atMs: number;
  readonly text: string;
}

/** `docker logs --timestamps` prints each line after an RFC 3339 time with nanoseconds. */
export function parseTimestampedLog(output: string): LogLine[] {
  return output
    .split("\n")
    .map((line) => /^(\S+) (.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && !Number.isNaN(Date.parse(match[1] ?? "")))
    .map((match) => ({ atMs: Date.parse(match[1] ?? ""), text: match[2] ?? "" }));
}

export interface ComposeClusterOptions {
  /** Also start the scheduler service, healthy once it answers HostList. */
  scheduler?: boolean;
  /** Start the hosts with --allow-fault-injection (XSIM_ALLOW_FAULT_INJECTION=1 in docker-compose.yml). */
  allowFaultInjection?: boolean;
}

/** A host's name on the observer network. */
export function observedAddress(service: string): string {
  return `observed-${service}:${HOST_PORT}`;
}

/** Starts nats and the host services of docker-compose.yml (and the scheduler if asked) as a fresh project. */
export async function startComposeCluster(
  prefix: string,
  options: ComposeClusterOptions = {},
): Promise<ComposeCluster> {
  const projectName = `${prefix}${randomBytes(4).toString("hex")}`;
  const compose = composeCommand();
  const services: string[] = [...HOST_SERVICES, ...(options.scheduler ? ["scheduler"] : [])];
  let environment = new DockerComposeEnvironment(REPO_ROOT, "docker-compose.yml")
    .withProjectName(projectName)
    .withEnvironment({ XSIM_ALLOW_FAULT_INJECTION: options.allowFaultInjection ? "1" : "0" })
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
    .withClientOptions(
      compose.file === "docker-compose"
        ? { executable: { standalone: true, executablePath: "docker-compose" } }
        : {},
    );
  for (const service of services)
    for (const name of containerNames(projectName, service))
      environment = environment.withWaitStrategy(name, Wait.forHealthCheck());
  const started = await environment.up(["nats", ...services]);
  // This process talks to the cluster as its operator, with the credentials pki-init made.
  useClusterSecurity({
    kind: "tls",
    identity: operatorIdentity(findContainer(started, projectName, "host1")),
  });
  const hosts = HOST_SERVICES.map((service) => containerHost(started, projectName, service));
  const observerNetworks = hosts.map((host) => {
    const network = `${projectName}_observer_${host.service}`;
    docker(["network", "create", network]);
    docker(["network", "connect", "--alias", `observed-${host.service}`, network, host.container.getId()]);
    return network;
  });
  const scheduler = options.scheduler
    ? connectScheduler(publishedAddress(started, projectName, "scheduler"))
    : undefined;
  return {
    projectName,
    pkiVolume: `${projectName}_pki`,
    network: projectNetwork(findContainer(started, projectName, "host1")),
    observerNetworks,
    hosts,
    scheduler,
    host: (service) => {
      const found = hosts.find((h) => h.service === service);
      if (!found) throw new Error(`no host service ${service} in ${projectName}`);
      return found;
    },
    kill: (service) => docker(["kill", findContainer(started, projectName, service).getId()]),
    crash: (service) => {
      const id = findContainer(started, projectName, service).getId();
      spawnSync("docker", ["exec", id, "sh", "-c", "kill -9 -1"], { encoding: "utf8" });
    },
    restartCount: (service) => {
      const id = findContainer(started, projectName, service).getId();
      return Number(docker(["inspect", "--format", "{{.RestartCount}}", id]));
    },
    exec: (service, command) =>
      docker(["exec", findContainer(started, projectName, service).getId(), ...command]),
    pause: (service) => pauseContainer(findContainer(started, projectName, service).getId()),
    unpause: (service) => docker(["unpause", findContainer(started, projectName, service).getId()]),
    logs: (service) => dockerLogs(findContainer(started, projectName, service).getId()),
    partition: (service) => {
      const container = findContainer(started, projectName, service);
      docker(["network", "disconnect", projectNetwork(container), container.getId()]);
    },
    heal: (service) => {
      const container = findContainer(started, projectName, service);
      const id = container.getId();
      const aliases = ["--alias", service, "--alias", id.slice(0, SHORT_ID_LENGTH)];
      docker(["network", "connect", ...aliases, projectNetwork(container), id]);
    },
    timedLogs: (service) => {
      const id = findContainer(started, projectName, service).getId();
      const result = spawnSync("docker", ["logs", "--timestamps", id], { encoding: "utf8" });
      return parseTimestampedLog(`${result.stdout}\n${result.stderr}`).sort((a, b) => a.atMs - b.atMs);
    },
    xsim: (service, args) => {
      const id = findContainer(started, projectName, service).getId();
      return docker(["exec", id, "xsim", "-H", `127.0.0.1:${HOST_PORT}`, ...args]);
    },
    down: async () => {
      for (const host of hosts) {
        host.client.close();
        host.migration.close();
      }
      scheduler?.close();
      await started.down({ timeout: 0, removeVolumes: true });
      // A sampler a failed test left running is still on the observer networks.
      for (const network of observerNetworks) {
        const left = docker(["ps", "-aq", "--filter", `network=${network}`]);
        if (left) docker(["rm", "-f", ...left.split("\n")]);
        docker(["network", "rm", network]);
      }
    },
  };
}

/** The operator's credentials, read from the PKI volume through a container that mounts it. */
function operatorIdentity(container: StartedTestContainer): ServiceIdentity {
  const read = (path: string) => docker(["exec", container.getId(), "cat", `${PKI_MOUNT}/${path}`]);
  return {
    role: "operator",
    name: "operator",
    caPem: read("ca.pem"),
    certPem: read("operator/cert.pem"),
    keyPem: read("operator/key.pem"),
  };
}

/** runc's freeze of a busy container can fail on a loaded machine ("unable to freeze"): try again. */
const PAUSE_ATTEMPT_COUNT_MAX = 5;

function pauseContainer(id: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      docker(["pause", id]);
      return;
    } catch (error) {
      const frozen = docker(["inspect", "--format", "{{.State.Paused}}", id]) === "true";
      if (frozen) return;
      if (attempt >= PAUSE_ATTEMPT_COUNT_MAX || !/unable to freeze/.test(String(error))) throw error;
    }
  }
}

/** A compose v1 container is `<project>_<service>_1`, a v2 one `<service>-1` (testcontainers' names). */
function containerNames(projectName: string, service: string): string[] {
  return [`${projectName}_${service}_1`, `${service}-1`];
}

function containerHost(
  started: StartedDockerComposeEnvironment,
  projectName: string,
  service: string,
): ContainerHost {
  const container = findContainer(started, projectName, service);
  const externalAddress = publishedAddress(started, projectName, service);
  return {
    service,
    internalAddress: `${service}:${HOST_PORT}`,
    externalAddress,
    container,
    client: connectHost(externalAddress),
    migration: connectMigrationWatch(externalAddress),
  };
}

/** The compose project's one network (`<project>_default`), from the container's start-up view. */
function projectNetwork(container: StartedTestContainer): string {
  const [network] = container.getNetworkNames();
  if (!network) throw new Error(`container ${container.getName()} is on no network`);
  return network;
}

/** The loopback address docker published for a service's port 50051. */
function publishedAddress(
  started: StartedDockerComposeEnvironment,
  projectName: string,
  service: string,
): string {
  const container = findContainer(started, projectName, service);
  return `${container.getHost()}:${container.getMappedPort(HOST_PORT)}`;
}

function findContainer(
  started: StartedDockerComposeEnvironment,
  projectName: string,
  service: string,
): StartedTestContainer {
  for (const name of containerNames(projectName, service)) {
    try {
      return started.getContainer(name);
    } catch {
      // not this compose version's name; try the next
    }
  }
  throw new Error(`compose project ${projectName} has no container for ${service}`);
}

/** A container's output, stdout and stderr (the services log to stderr). */
function dockerLogs(id: string): string {
  const result = spawnSync("docker", ["logs", id], { encoding: "utf8" });
  return `${result.stdout}${result.stderr}`;
}
