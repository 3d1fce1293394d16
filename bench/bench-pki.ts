import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClusterPki } from "../services/identity/cluster-pki.js";
import { loadIdentity } from "../services/identity/pki.js";
import type { ClusterSecurity } from "../services/transport/tls/cluster-credentials.js";

/** How a bench runs a host: with the cluster's TLS (its own identity) or --insecure. */
export type BenchSecurityMode = "tls" | "insecure";

/**
 * A bench's own cluster identity (a new CA in a temporary directory, removed at the end): the
 * hosts it starts with TLS take `--pki DIR`, the bench itself talks to them as the operator.
 */
export class BenchPki {
  readonly dir = mkdtempSync(join(tmpdir(), "xsim-bench-pki-"));
  readonly operator: ClusterSecurity;

  constructor(hostIds: readonly string[]) {
    createClusterPki(this.dir, { hostIds });
    this.operator = { kind: "tls", identity: loadIdentity(this.dir, "operator", "operator") };
  }

  /**
   * The flags of a host started in `mode`: its security, and a state directory of its own under
   * this bench's (removed with it) whose guests SIGTERM destroys, so no run restores the last one's.
   */
  hostArgs(mode: BenchSecurityMode, hostId: string): string[] {
    const security = mode === "tls" ? ["--pki", this.dir] : ["--insecure"];
    return [...security, "--state-dir", join(this.dir, "state", hostId), "--on-shutdown", "destroy"];
  }

  /** What the bench's own channels to such a host use. */
  security(mode: BenchSecurityMode): ClusterSecurity {
    return mode === "tls" ? this.operator : { kind: "insecure" };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
