import { loadIdentity } from "../../identity/pki.js";
import type { Role } from "../../identity/roles.js";
import { INSECURE_WARNING, useClusterSecurity, type ClusterSecurity } from "./cluster-credentials.js";

/** The flags every service takes: its cluster credentials (`--pki DIR`) or `--insecure`. */
export const SECURITY_FLAG_OPTIONS = {
  pki: { type: "string" },
  insecure: { type: "boolean", default: false },
} as const;

/**
 * Loads this process's credentials from the cluster's PKI directory (as `xsim up` or compose's
 * `pki` service made it) and makes them the process's, or, only when asked, runs insecure and
 * says so loudly on stderr. Neither given is an error: security is never off by accident.
 */
export function applySecurityFlags(
  flags: { pki?: string | undefined; insecure?: boolean | undefined },
  role: Role,
  name: string,
  warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): ClusterSecurity {
  if (flags.insecure && flags.pki) throw new Error("give either --pki DIR or --insecure, not both");
  let security: ClusterSecurity;
  if (flags.insecure) {
    warn(INSECURE_WARNING);
    security = { kind: "insecure" };
  } else if (flags.pki) {
    security = { kind: "tls", identity: loadIdentity(flags.pki, role, name) };
  } else {
    throw new Error(
      "no cluster credentials: give --pki DIR (the cluster's PKI, made by `xsim up` or compose's pki-init service) " +
        "or --insecure (no TLS, no authentication: debugging only)",
    );
  }
  useClusterSecurity(security);
  return security;
}
