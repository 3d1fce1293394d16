import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadIdentity } from "../identity/pki.js";
import { INSECURE_WARNING, useClusterSecurity } from "../transport/tls/cluster-credentials.js";
import { readClusterState, xsimHome } from "./cluster-state.js";

/** The cluster PKI `xsim up` makes (a new CA for each new cluster). */
export function clusterPkiDir(): string {
  return join(xsimHome(), "pki");
}

/**
 * The CLI's credentials, the operator's, found in this order: --insecure; --pki DIR; $XSIM_PKI;
 * the cluster `xsim up` started (its PKI, or its --insecure). Without any, every call fails with
 * a message that says how to get them; commands that open no channel still work.
 */
export function applyCliSecurity(
  flags: { pki?: string; insecure?: boolean },
  warn: (line: string) => void,
): void {
  const state = readClusterState();
  if (flags.insecure || (!flags.pki && !process.env.XSIM_PKI && state?.insecure)) {
    warn(INSECURE_WARNING);
    useClusterSecurity({ kind: "insecure" });
    return;
  }
  const pkiDir = flags.pki ?? process.env.XSIM_PKI ?? state?.pkiDir ?? existingDefault();
  if (!pkiDir) {
    useClusterSecurity({
      kind: "missing",
      reason:
        "no operator credentials: run `xsim up`, or give --pki DIR / XSIM_PKI (a cluster PKI), " +
        "or --insecure for a cluster started without security",
    });
    return;
  }
  useClusterSecurity({ kind: "tls", identity: loadIdentity(pkiDir, "operator", "operator") });
}

function existingDefault(): string | undefined {
  const dir = clusterPkiDir();
  return existsSync(join(dir, "operator", "cert.pem")) ? dir : undefined;
}
