/**
 * `node dist/services/wiring/domain-sampler-main.js [--interval-ms N] HOST=ADDRESS:PORT...`: prints
 * one JSON line per read of a host's domain list (services/wiring/domain-sampler.ts) until
 * SIGTERM or SIGINT. The container tests run it on the cluster's network, as the operator: its
 * credentials from the cluster's PKI in $XSIM_PKI (XSIM_PKI unset and --insecure: no TLS).
 */
import { parseSamplerArgs, startDomainSampler } from "./domain-sampler.js";
import { applySecurityFlags } from "../transport/tls/security-flags.js";

try {
  const args = process.argv.slice(2);
  const insecure = args.includes("--insecure");
  applySecurityFlags({ pki: process.env.XSIM_PKI, insecure }, "operator", "operator");
  const { targets, intervalMs } = parseSamplerArgs(args.filter((arg) => arg !== "--insecure"));
  const sampler = startDomainSampler({
    targets,
    intervalMs,
    write: (read) => process.stdout.write(`${JSON.stringify(read)}\n`),
  });
  const stop = () => void sampler.stop().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
} catch (error) {
  process.stderr.write(`domain-sampler: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
