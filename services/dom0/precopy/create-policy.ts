import { PrecopyOptionError, UnknownPrecopyPolicyError } from "./errors.js";
import type { PrecopyPolicy } from "./policy.js";
import { createQemuPolicy, QEMU_DOWNTIME_LIMIT_MS_MAX } from "./qemu-policy.js";
import type { QemuLimitAction } from "./qemu-policy.js";
import { createXenLegacyPolicy } from "./xen-legacy-policy.js";
import { createXenPolicy } from "./xen-policy.js";

export const PRECOPY_POLICY_NAMES = ["xen", "xen-legacy", "clark", "qemu"] as const;
export type PrecopyPolicyName = (typeof PRECOPY_POLICY_NAMES)[number];
export const DEFAULT_PRECOPY_POLICY_NAME: PrecopyPolicyName = "xen";
/** Upper bound on a user-set round cap, so a typo cannot make a migration run for days. */
export const PRECOPY_ITERATION_COUNT_MAX_LIMIT = 1000;

/** Options for every policy; each policy accepts only the ones it uses (see POLICY_OPTION_NAMES). */
export interface PrecopyPolicyOptions {
  iterationCountMax?: number;
  dirtyPageCountTarget?: number;
  sentFactorMax?: number;
  downtimeLimitMs?: number;
  completionTimeoutMsPerGib?: number;
  onLimit?: QemuLimitAction;
}
type OptionName = keyof PrecopyPolicyOptions;

export const POLICY_OPTION_NAMES: Readonly<Record<PrecopyPolicyName, readonly OptionName[]>> = {
  xen: ["iterationCountMax", "dirtyPageCountTarget"],
  "xen-legacy": ["iterationCountMax", "sentFactorMax"],
  clark: ["iterationCountMax", "sentFactorMax"],
  qemu: ["downtimeLimitMs", "iterationCountMax", "completionTimeoutMsPerGib", "onLimit"],
};

function isPolicyName(name: string): name is PrecopyPolicyName {
  return (PRECOPY_POLICY_NAMES as readonly string[]).includes(name);
}

/** Builds a policy by name, refusing unknown names and options that do not apply or are out of range. */
export function createPolicy(name: string, options: PrecopyPolicyOptions = {}): PrecopyPolicy {
  if (!isPolicyName(name)) {
    throw new UnknownPrecopyPolicyError(
      `unknown pre-copy policy "${name}"; known policies: ${PRECOPY_POLICY_NAMES.join(", ")}`,
    );
  }
  checkOptions(name, options);
  switch (name) {
    case "xen":
      return createXenPolicy(options);
    case "xen-legacy":
      return createXenLegacyPolicy(options);
    case "clark":
      return createXenLegacyPolicy({ ...options, adaptiveRateStop: true });
    case "qemu":
      return createQemuPolicy(options);
  }
}

function checkOptions(name: PrecopyPolicyName, options: PrecopyPolicyOptions): void {
  const accepted = POLICY_OPTION_NAMES[name];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(accepted as readonly string[]).includes(key)) {
      throw new PrecopyOptionError(
        `option ${key} does not apply to pre-copy policy "${name}"; it takes: ${accepted.join(", ")}`,
      );
    }
  }
  const { iterationCountMax, dirtyPageCountTarget, sentFactorMax, downtimeLimitMs } = options;
  checkRange("iterationCountMax", iterationCountMax, 1, PRECOPY_ITERATION_COUNT_MAX_LIMIT, true);
  checkRange("dirtyPageCountTarget", dirtyPageCountTarget, 0, Number.MAX_SAFE_INTEGER, true);
  checkRange("sentFactorMax", sentFactorMax, 0, Infinity, false);
  if (sentFactorMax === 0) throw new PrecopyOptionError("option sentFactorMax 0 is not > 0");
  checkRange("downtimeLimitMs", downtimeLimitMs, 0, QEMU_DOWNTIME_LIMIT_MS_MAX, false);
  checkRange("completionTimeoutMsPerGib", options.completionTimeoutMsPerGib, 0, Infinity, false);
  if (options.onLimit !== undefined && options.onLimit !== "abort" && options.onLimit !== "stop-and-copy") {
    throw new PrecopyOptionError(
      `option onLimit "${String(options.onLimit)}" is not "abort" or "stop-and-copy"`,
    );
  }
}

function checkRange(key: string, value: number | undefined, min: number, max: number, whole: boolean): void {
  if (value === undefined) return;
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    value >= min &&
    value <= max &&
    (!whole || Number.isInteger(value));
  if (!ok) {
    const what = whole ? "a whole number" : "a finite number";
    const range = max === Infinity ? `>= ${min}` : `in ${min}..${max}`;
    throw new PrecopyOptionError(`option ${key} ${String(value)} is not ${what} ${range}`);
  }
}
