import { formatDurationNs, parseDurationNs } from "./duration.js";
import {
  BURSTY_OFF_NS_DEFAULT,
  BURSTY_ON_NS_DEFAULT,
  CPU_DEMAND_KINDS,
  type CpuDemandKind,
  type CpuDemandSpec,
  CpuDemandSpecError,
  DEMAND_PHASE_NS_MAX,
  DEMAND_PHASE_NS_MIN,
  IO_BURST_NS_DEFAULT,
  IO_SLEEP_NS_DEFAULT,
} from "./spec.js";

/** Longest spec string accepted, so a bad peer cannot make error messages huge. */
const SPEC_TEXT_LENGTH_MAX = 256;

/** The parameters each kind takes, with their defaults in ns. */
const PARAMETERS_BY_KIND: Record<CpuDemandKind, Readonly<Record<string, number>>> = {
  cpu: {},
  idle: {},
  io: { burst: IO_BURST_NS_DEFAULT, sleep: IO_SLEEP_NS_DEFAULT },
  bursty: { on: BURSTY_ON_NS_DEFAULT, off: BURSTY_OFF_NS_DEFAULT },
};

/** Parses `kind[:key=duration,...]`, e.g. `cpu`, `io:burst=500us,sleep=20ms`, `bursty:on=1s`. */
export function parseCpuDemandSpec(text: string): CpuDemandSpec {
  if (text.length > SPEC_TEXT_LENGTH_MAX) {
    throw new CpuDemandSpecError(`${text.slice(0, 32)}...`, `longer than ${SPEC_TEXT_LENGTH_MAX} characters`);
  }
  const trimmed = text.trim();
  const colon = trimmed.indexOf(":");
  const kind = colon < 0 ? trimmed : trimmed.slice(0, colon);
  if (!(CPU_DEMAND_KINDS as readonly string[]).includes(kind)) {
    throw new CpuDemandSpecError(trimmed, `unknown kind "${kind}" (expected ${CPU_DEMAND_KINDS.join(", ")})`);
  }
  const values = readParameters(trimmed, kind as CpuDemandKind, colon < 0 ? "" : trimmed.slice(colon + 1));
  switch (kind as CpuDemandKind) {
    case "cpu":
      return { kind: "cpu" };
    case "idle":
      return { kind: "idle" };
    case "io":
      return { kind: "io", burstNs: values.get("burst")!, sleepNs: values.get("sleep")! };
    case "bursty":
      return { kind: "bursty", onNs: values.get("on")!, offNs: values.get("off")! };
  }
}

function readParameters(text: string, kind: CpuDemandKind, paramsText: string): Map<string, number> {
  const defaults = PARAMETERS_BY_KIND[kind];
  const values = new Map<string, number>(Object.entries(defaults));
  const given = new Set<string>();
  for (const part of paramsText === "" ? [] : paramsText.split(",")) {
    const equals = part.indexOf("=");
    const key = part.slice(0, Math.max(0, equals));
    if (equals <= 0) throw new CpuDemandSpecError(text, `"${part}" is not key=duration`);
    if (!(key in defaults)) {
      const expected = Object.keys(defaults);
      const hint = expected.length === 0 ? "it takes none" : `expected ${expected.join(", ")}`;
      throw new CpuDemandSpecError(text, `unknown parameter "${key}" for ${kind} (${hint})`);
    }
    if (given.has(key)) throw new CpuDemandSpecError(text, `${key} given twice`);
    given.add(key);
    values.set(key, readDuration(text, key, part.slice(equals + 1)));
  }
  return values;
}

function readDuration(text: string, key: string, valueText: string): number {
  const durationNs = parseDurationNs(valueText);
  if (durationNs === undefined) {
    throw new CpuDemandSpecError(text, `${key}: "${valueText}" is not a duration (e.g. 500us, 10ms, 1s)`);
  }
  if (durationNs < DEMAND_PHASE_NS_MIN || durationNs > DEMAND_PHASE_NS_MAX) {
    const range = `${formatDurationNs(DEMAND_PHASE_NS_MIN)}..${formatDurationNs(DEMAND_PHASE_NS_MAX)}`;
    throw new CpuDemandSpecError(text, `${key}: ${valueText} is outside ${range}`);
  }
  return durationNs;
}
