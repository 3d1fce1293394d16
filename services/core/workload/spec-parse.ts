import { GUEST_PAGE_COUNT_LIMIT } from "../memory/guest-memory.js";
import { PAGE_SIZE_BYTES } from "../units.js";
import { parseByteSize } from "./byte-size.js";
import {
  RATE_PAGES_PER_SECOND_MAX,
  WORKLOAD_KINDS,
  type WorkloadKind,
  type WorkloadSpec,
  WorkloadSpecError,
} from "./spec-model.js";

const RATE_PATTERN = /^\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;
const HOT_BYTE_COUNT_MAX = GUEST_PAGE_COUNT_LIMIT * PAGE_SIZE_BYTES;
/** Longest spec string accepted, so a bad peer cannot make error messages huge. */
const SPEC_TEXT_LENGTH_MAX = 256;

/** Parameters each kind takes, in the order `formatWorkloadSpec` writes them. */
const PARAMETERS_BY_KIND: Record<WorkloadKind, readonly string[]> = {
  idle: [],
  uniform: ["rate"],
  wws: ["hot", "rate", "cold"],
  sweep: ["rate"],
  fill: ["rate"],
};

/** Parses `kind[:key=value,...]`, e.g. `idle`, `uniform:rate=20000`, `wws:hot=64M,rate=20000,cold=100`. */
export function parseWorkloadSpec(text: string): WorkloadSpec {
  if (text.length > SPEC_TEXT_LENGTH_MAX) {
    throw new WorkloadSpecError(`${text.slice(0, 32)}...`, `longer than ${SPEC_TEXT_LENGTH_MAX} characters`);
  }
  return buildSpec(new SpecParams(text.trim()));
}

function buildSpec(params: SpecParams): WorkloadSpec {
  switch (params.kind) {
    case "idle":
      return { kind: "idle" };
    case "uniform":
    case "sweep":
      return { kind: params.kind, ratePagesPerSecond: params.rate("rate", true) };
    case "wws":
      return {
        kind: "wws",
        hotByteCount: params.size("hot"),
        ratePagesPerSecond: params.rate("rate", true),
        coldRatePagesPerSecond: params.rate("cold", false) ?? 0,
      };
    case "fill": {
      const ratePagesPerSecond = params.rate("rate", false);
      return ratePagesPerSecond === undefined ? { kind: "fill" } : { kind: "fill", ratePagesPerSecond };
    }
  }
}

/** The spec text split into its kind and known parameters. */
class SpecParams {
  readonly kind: WorkloadKind;
  private readonly values = new Map<string, string>();

  constructor(private readonly text: string) {
    const colon = text.indexOf(":");
    const kindText = colon < 0 ? text : text.slice(0, colon);
    if (!isKind(kindText)) {
      this.fail(`unknown kind "${kindText}" (expected one of ${WORKLOAD_KINDS.join(", ")})`);
    }
    this.kind = kindText;
    if (colon >= 0) this.split(text.slice(colon + 1));
  }

  rate(key: string, required: true): number;
  rate(key: string, required: false): number | undefined;
  rate(key: string, required: boolean): number | undefined {
    const value = this.lookup(key, required);
    if (value === undefined) return undefined;
    const rate = RATE_PATTERN.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(rate)) this.fail(`${key}: "${value}" is not a rate in pages/s`);
    if (rate > RATE_PAGES_PER_SECOND_MAX) {
      this.fail(`${key}: ${value} pages/s is above the limit of ${RATE_PAGES_PER_SECOND_MAX}`);
    }
    return rate;
  }

  size(key: string): number {
    const value = this.lookup(key, true);
    const byteCount = parseByteSize(value);
    if (byteCount === undefined) this.fail(`${key}: "${value}" is not a size`);
    if (byteCount <= 0 || byteCount > HOT_BYTE_COUNT_MAX) {
      this.fail(`${key}: ${value} is not in 1..${HOT_BYTE_COUNT_MAX} bytes`);
    }
    return byteCount;
  }

  private lookup(key: string, required: true): string;
  private lookup(key: string, required: boolean): string | undefined;
  private lookup(key: string, required: boolean): string | undefined {
    const value = this.values.get(key);
    if (value === undefined && required) this.fail(`missing ${key}`);
    return value;
  }

  private split(paramsText: string): void {
    for (const part of paramsText.split(",")) {
      const equals = part.indexOf("=");
      if (equals <= 0) this.fail(`"${part}" is not key=value`);
      const key = part.slice(0, equals);
      const expected = PARAMETERS_BY_KIND[this.kind];
      if (!expected.includes(key)) {
        const hint = expected.length === 0 ? "it takes none" : `expected ${expected.join(", ")}`;
        this.fail(`unknown parameter "${key}" for ${this.kind} (${hint})`);
      }
      if (this.values.has(key)) this.fail(`${key} given twice`);
      this.values.set(key, part.slice(equals + 1));
    }
  }

  private fail(detail: string): never {
    throw new WorkloadSpecError(this.text, detail);
  }
}

function isKind(text: string): text is WorkloadKind {
  return (WORKLOAD_KINDS as readonly string[]).includes(text);
}
