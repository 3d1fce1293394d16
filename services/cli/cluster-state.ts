import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where `xsim up` records what it started, so `xsim -H host1 ...` and `xsim down` can find it. */
export interface ClusterState {
  natsUrl: string;
  natsPid: number;
  hosts: Array<{ hostId: string; address: string; pid: number }>;
  schedulerAddress?: string;
  schedulerPid?: number;
  /** The cluster's PKI (the operator's credentials are there); absent when started with --insecure. */
  pkiDir?: string;
  insecure?: boolean;
}

export function xsimHome(): string {
  return process.env.XSIM_HOME ?? join(homedir(), ".xsim");
}

export function statePath(): string {
  return join(xsimHome(), "cluster.json");
}

export function readClusterState(): ClusterState | undefined {
  const path = statePath();
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, "utf8")) as ClusterState;
}

export function writeClusterState(state: ClusterState): void {
  mkdirSync(xsimHome(), { recursive: true });
  writeFileSync(statePath(), `${JSON.stringify(state, null, 2)}\n`);
}

export function removeClusterState(): void {
  rmSync(statePath(), { force: true });
}

/** `-H` takes a host id from the running cluster, or an address host:port (host-routing.ts picks without -H). */
export function resolveHostAddress(host: string): string {
  if (/:\d+$/.test(host)) return host;
  const state = readClusterState();
  if (!state) {
    throw new Error(
      `unknown host "${host}": no cluster is up (run \`xsim up\`) and it is not an address host:port`,
    );
  }
  const entry = state.hosts.find((h) => h.hostId === host);
  if (!entry)
    throw new Error(`unknown host "${host}": the cluster has ${state.hosts.map((h) => h.hostId).join(", ")}`);
  return entry.address;
}
