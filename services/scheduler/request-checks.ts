import type { EvacuateRequest, RebalanceRequest } from "../gen/xensim/v1/scheduler.js";
import { ToolstackError } from "../dom0/errors.js";
import { parseBandwidth } from "../dom0/precopy/parse-bandwidth.js";
import { EVACUATE_PARALLEL_MAX } from "./evacuate.js";

/** Percent of a host's memory: the bounds of rebalance's marks. */
export const PERCENT_MAX = 100;

/** Host-evacuate's arguments, checked before the host is disabled: INVALID_ARGUMENT naming the field. */
export function checkEvacuateRequest(request: EvacuateRequest): void {
  if (request.parallel > EVACUATE_PARALLEL_MAX)
    invalid(
      `parallel ${request.parallel} is out of range: at most ${EVACUATE_PARALLEL_MAX} migrations at once`,
    );
  checkBandwidth(request.bandwidth);
}

/** Rebalance's marks: percentages with low below high (0 = the default). */
export function checkRebalanceRequest(request: RebalanceRequest): void {
  for (const [field, value] of [
    ["memory_high_percent", request.memoryHighPercent],
    ["memory_low_percent", request.memoryLowPercent],
  ] as const) {
    if (!Number.isFinite(value) || value < 0 || value > PERCENT_MAX)
      invalid(`${field} ${value} is out of range (0..${PERCENT_MAX})`);
  }
  const { memoryHighPercent: high, memoryLowPercent: low } = request;
  if (high > 0 && low > 0 && low >= high)
    invalid(`memory_low_percent ${low} must be below memory_high_percent ${high}`);
}

/** A bandwidth limit as `xsim migrate --bandwidth` takes it; empty = unlimited. */
export function checkBandwidth(text: string): void {
  if (text === "") return;
  try {
    parseBandwidth(text);
  } catch (error) {
    invalid(`bandwidth: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function invalid(message: string): never {
  throw new ToolstackError("INVALID_ARGUMENT", message);
}
