import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClusterPki } from "../../services/identity/cluster-pki.js";
import { issueIdentity, loadIdentity } from "../../services/identity/pki.js";
import { useClusterSecurity } from "../../services/transport/tls/cluster-credentials.js";
import { natsOptionsOf } from "../../services/transport/tls/nats-client.js";
import type { Role } from "../../services/identity/roles.js";
import type { ConnectionOptions } from "nats";
import { afterAll } from "vitest";

/**
 * The cluster identity of one test file's processes, made by the test (nothing is checked in):
 * a CA, nats-server's, the scheduler's and the operator's credentials, and one per host as hosts
 * are started. The test process itself talks to the cluster as the operator. Integration tests
 * run secured unless XSIM_TEST_INSECURE=1 (then every process gets --insecure).
 */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), "xsim-pki-"));
  private readonly hostIds = new Set<string>();
  /** Called when a host is admitted, so a running nats-server learns its user (config reload). */
  private readonly onAdmit = new Set<(hostIds: readonly string[]) => Promise<void>>();

  constructor() {
    createClusterPki(this.dir, { hostIds: [] });
    useClusterSecurity({ kind: "tls", identity: loadIdentity(this.dir, "operator", "operator") });
  }

  knownHostIds(): string[] {
    return [...this.hostIds];
  }

  /** Issues a host's credentials (once) and waits until every nats-server of this file knows it. */
  async admitHost(hostId: string): Promise<void> {
    if (this.hostIds.has(hostId)) return;
    issueIdentity(this.dir, "host", hostId);
    this.hostIds.add(hostId);
    for (const reload of this.onAdmit) await reload(this.knownHostIds());
  }

  watchAdmissions(reload: (hostIds: readonly string[]) => Promise<void>): () => void {
    this.onAdmit.add(reload);
    return () => this.onAdmit.delete(reload);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let shared: TestPki | undefined;

// One PKI per test file, removed after the file: this hook is registered when the file imports this
// module, before the file's own hooks, so it runs after them (vitest runs afterAll hooks as a stack),
// once the processes that read the PKI are stopped.
afterAll(() => {
  try {
    shared?.remove();
  } catch {
    // A process the file left running may still write its state there: leave the rest to tmp.
  }
  shared = undefined;
});

export function testsInsecure(): boolean {
  return process.env.XSIM_TEST_INSECURE === "1";
}

/** This test file's PKI (made on first use), or undefined when the tests run insecure. */
export function testPki(): TestPki | undefined {
  if (testsInsecure()) return undefined;
  shared ??= new TestPki();
  return shared;
}

/** The flags a service process of this test file takes. */
export function securityArgs(): string[] {
  const pki = testPki();
  return pki ? ["--pki", pki.dir] : ["--insecure"];
}

/** `nats` client options to act as a member of the test cluster (nothing when the tests run insecure). */
export function natsOptionsAs(role: Role, name: string): Partial<ConnectionOptions> {
  const pki = testPki();
  return pki ? natsOptionsOf(loadIdentity(pki.dir, role, name)) : {};
}
