/**
 * `node dist/services/wiring/domain-sampler-main.js [--interval-ms N] HOST=ADDRESS:PORT...`: prints
 * one JSON line per read of a host's domain list (services/wiring/domain-sampler.ts) until
 * SIGTERM or SIGINT. The container tests run it on the cluster's network.
 */
import { parseSamplerArgs, startDomainSampler } from "./domain-sampler.js";

try {
  const { targets, intervalMs } = parseSamplerArgs(process.argv.slice(2));
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
