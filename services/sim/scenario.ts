import { dirname, resolve } from "node:path";
import type { SimHostSpec } from "./cluster.js";
import { parseWorkloadSpec } from "../core/workload/spec-parse.js";
import { parseBandwidth } from "../dom0/precopy/parse-bandwidth.js";
import { createPolicy } from "../dom0/precopy/create-policy.js";
import { HEARTBEAT_INTERVAL_MS_MAX, HEARTBEAT_INTERVAL_MS_MIN } from "../scheduler/heartbeat-check.js";
import { expandRange } from "./scenario-range.js";

/** What one timed line of a scenario does (docs/sim.md). */
export type ScenarioOp =
  | { kind: "create"; domain: string; hostId: string | undefined }
  | { kind: "destroy"; domain: string }
  | { kind: "pause" | "unpause"; domain: string }
  /** `xsim migrate-cancel NAME`: at the host that sends its migration. */
  | { kind: "migrate-cancel"; domain: string }
  | { kind: "migrate"; domain: string; hostId: string | undefined; bandwidth: string; policy: string }
  | { kind: "workload"; domain: string; workload: string }
  | { kind: "checksum"; domain: string }
  | {
      kind: "evacuate" | "kill" | "restart" | "declare-dead" | "host-enable" | "host-disable";
      hostId: string;
    }
  /** `xsim vm-reset-powerstate NAME [--force]`: refused without `force`, as the CLI's. */
  | { kind: "vm-reset-powerstate"; domain: string; force: boolean }
  | { kind: "stall"; processId: string; durationMs: number }
  /** `from`: the processes the group is cut from (default: everyone outside it, the broker included). */
  | { kind: "partition"; hostIds: string[]; from: string[] | undefined }
  | { kind: "heal" | "list" | "end" }
  | { kind: "broker" | "scheduler"; up: boolean }
  | { kind: "ha-enable"; timeoutMs: number }
  | { kind: "ha-disable" };

export interface ScenarioStep {
  atMs: number;
  op: ScenarioOp;
  line: number;
}

export interface Scenario {
  seed: number;
  /** How often every host heartbeats (`heartbeat 7s`, a host's --heartbeat-ms); the cluster's default when absent. */
  heartbeatIntervalMs?: number;
  hosts: SimHostSpec[];
  /** xl.cfg text of each domain, by name. */
  domains: Map<string, { cfgText: string; fileName: string }>;
  steps: ScenarioStep[];
}

export class ScenarioError extends Error {}

/** Reads a file a scenario names (relative to the scenario's folder). */
export type ReadText = (path: string) => string;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/;

export function parseDurationMs(text: string, where: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new ScenarioError(`${where}: "${text}" is not a duration (e.g. 500ms, 2s, 1m)`);
  const scale = { ms: 1, s: 1000, m: 60_000 }[match[2] as "ms" | "s" | "m"];
  return Number(match[1]) * scale;
}

function keyValues(words: string[], where: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const word of words) {
    const eq = word.indexOf("=");
    if (eq <= 0) throw new ScenarioError(`${where}: expected key=value, got "${word}"`);
    values.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return values;
}

function positive(text: string | undefined, what: string, where: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ScenarioError(`${where}: ${what} must be a positive integer`);
  return value;
}

function parseHost(words: string[], where: string): SimHostSpec {
  const [hostId, ...rest] = words;
  if (!hostId || !/^[A-Za-z0-9_-]{1,64}$/.test(hostId)) throw new ScenarioError(`${where}: host needs an id`);
  const flags = rest.filter((w) => !w.includes("="));
  const values = keyValues(
    rest.filter((w) => w.includes("=")),
    where,
  );
  for (const flag of flags)
    if (flag !== "nohvm") throw new ScenarioError(`${where}: unknown host flag "${flag}"`);
  return {
    hostId,
    memoryMib: positive(values.get("memory") ?? "4096", "memory (MiB)", where),
    pcpuCount: positive(values.get("pcpus") ?? "8", "pcpus", where),
    hvmCapable: !flags.includes("nohvm"),
  };
}

/** `domain NAME file=PATH` or `domain NAME memory=MiB vcpus=N type=pvh workload=... ha=restart`. */
function parseDomain(words: string[], where: string, baseDir: string, read: ReadText) {
  const [name, ...rest] = words;
  if (!name) throw new ScenarioError(`${where}: domain needs a name`);
  const values = keyValues(rest, where);
  const file = values.get("file");
  if (file !== undefined) {
    const path = resolve(baseDir, file);
    try {
      return { name, cfgText: read(path), fileName: path };
    } catch (error) {
      throw new ScenarioError(
        `${where}: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const type = values.get("type") ?? "pvh";
  const lines = [
    `name = "${name}"`,
    `type = "${type}"`,
    ...(type === "hvm" ? [] : [`kernel = "/boot/vmlinuz"`]),
    `memory = ${positive(values.get("memory") ?? "128", "memory (MiB)", where)}`,
    `vcpus = ${positive(values.get("vcpus") ?? "1", "vcpus", where)}`,
    `xsim_workload = "${values.get("workload") ?? "idle"}"`,
    ...(values.has("ha") ? [`xsim_ha = "${values.get("ha")}"`] : []),
  ];
  return { name, cfgText: `${lines.join("\n")}\n`, fileName: `${name}.cfg` };
}

/** Runs `check` on a user's value; its error becomes `where: what "value": message`. */
function checked(value: string, what: string, where: string, check: (value: string) => unknown): string {
  try {
    check(value);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ScenarioError(`${where}: ${what} "${value}": ${message}`);
  }
  return value;
}

/** `migrate NAME [HOST] [bandwidth=LIMIT] [policy=NAME]`, as `xsim migrate --bandwidth --policy`. */
function parseMigrate(words: string[], where: string): ScenarioOp {
  const [domain, ...rest] = words;
  if (!domain) throw new ScenarioError(`${where}: migrate needs a domain`);
  const hosts = rest.filter((w) => !w.includes("="));
  if (hosts.length > 1)
    throw new ScenarioError(`${where}: migrate takes one destination, got ${hosts.join(" ")}`);
  const values = keyValues(
    rest.filter((w) => w.includes("=")),
    where,
  );
  for (const key of values.keys())
    if (key !== "bandwidth" && key !== "policy")
      throw new ScenarioError(`${where}: migrate knows bandwidth= and policy=, not ${key}=`);
  return {
    kind: "migrate",
    domain,
    hostId: hosts[0],
    bandwidth: checked(values.get("bandwidth") ?? "", "bandwidth", where, (b) => b && parseBandwidth(b)),
    policy: checked(values.get("policy") ?? "", "policy", where, (p) => p && createPolicy(p, {})),
  };
}

/** `partition A B... [from C D...]` (`from broker`: cut from the broker only). */
function parsePartition(words: string[], where: string): ScenarioOp {
  const fromIndex = words.indexOf("from");
  const hostIds = fromIndex < 0 ? words : words.slice(0, fromIndex);
  const from = fromIndex < 0 ? undefined : words.slice(fromIndex + 1);
  if (hostIds.length === 0) throw new ScenarioError(`${where}: partition needs hosts`);
  if (from?.length === 0) throw new ScenarioError(`${where}: partition ... from needs processes`);
  return { kind: "partition", hostIds, from };
}

function parseOp(words: string[], where: string): ScenarioOp {
  const [verb, a, b, c] = words;
  const need = (value: string | undefined, what: string) => {
    if (!value) throw new ScenarioError(`${where}: ${verb} needs ${what}`);
    return value;
  };
  switch (verb) {
    case "create":
      return {
        kind: "create",
        domain: need(a, "a domain"),
        hostId: b === "on" ? need(c, "a host after on") : undefined,
      };
    case "destroy":
    case "pause":
    case "unpause":
    case "checksum":
    case "migrate-cancel":
      return { kind: verb, domain: need(a, "a domain") };
    case "workload":
      return {
        kind: verb,
        domain: need(a, "a domain"),
        workload: checked(need(b, "a workload"), "workload", where, parseWorkloadSpec),
      };
    case "migrate":
      return parseMigrate(words.slice(1), where);
    case "evacuate":
    case "kill":
    case "restart":
    case "declare-dead":
    case "host-enable":
    case "host-disable":
      return { kind: verb, hostId: need(a, "a host") };
    case "vm-reset-powerstate":
      if (c !== undefined || (b !== undefined && b !== "--force"))
        throw new ScenarioError(
          `${where}: vm-reset-powerstate NAME [--force], got "${words.slice(2).join(" ")}"`,
        );
      return { kind: verb, domain: need(a, "a domain"), force: b === "--force" };
    case "stall":
      return {
        kind: "stall",
        processId: need(a, "a host or scheduler"),
        durationMs: parseDurationMs(need(b, "a duration"), where),
      };
    case "partition":
      return parsePartition(words.slice(1), where);
    case "heal":
    case "list":
    case "end":
    case "ha-disable":
      return { kind: verb };
    case "ha-enable":
      return { kind: verb, timeoutMs: a === undefined ? 0 : parseDurationMs(a, where) };
    case "broker":
    case "scheduler":
      if (a !== "down" && a !== "up" && a !== "crash" && a !== "restart")
        throw new ScenarioError(`${where}: ${verb} down|up (or crash|restart)`);
      return { kind: verb, up: a === "up" || a === "restart" };
    default:
      throw new ScenarioError(`${where}: unknown operation "${verb ?? ""}"`);
  }
}

/** The processes a scenario may name beside its hosts (the scheduler, the broker). */
const OTHER_PROCESS_IDS = ["scheduler", "broker"];

/** A step names only declared domains (to create) and hosts, so that a typo is an error, not a no-op. */
function checkNames(scenario: Scenario, step: ScenarioStep, where: string): void {
  const op = step.op;
  const hostIds = new Set(scenario.hosts.map((h) => h.hostId));
  const processIds = new Set([...hostIds, ...OTHER_PROCESS_IDS]);
  if (op.kind === "create" && !scenario.domains.has(op.domain))
    throw new ScenarioError(`${where}: no domain "${op.domain}" is declared`);
  const named: Array<[string | undefined, ReadonlySet<string>]> = [];
  // Every op that names a host (create's and migrate's are optional: the scheduler places).
  if ("hostId" in op) named.push([op.hostId, hostIds]);
  if (op.kind === "stall") named.push([op.processId, processIds]);
  if (op.kind === "partition")
    for (const id of [...op.hostIds, ...(op.from ?? [])]) named.push([id, processIds]);
  for (const [id, known] of named)
    if (id !== undefined && !known.has(id))
      throw new ScenarioError(`${where}: no host or process "${id}" (declared: ${[...known].join(", ")})`);
}

/** `heartbeat DURATION`: within what the scheduler accepts of a heartbeat's interval (heartbeat-check.ts). */
function parseHeartbeat(words: string[], where: string): number {
  if (words.length !== 1) throw new ScenarioError(`${where}: heartbeat takes one duration (e.g. 7s)`);
  const intervalMs = parseDurationMs(words[0]!, where);
  if (
    !Number.isInteger(intervalMs) ||
    intervalMs < HEARTBEAT_INTERVAL_MS_MIN ||
    intervalMs > HEARTBEAT_INTERVAL_MS_MAX
  )
    throw new ScenarioError(
      `${where}: heartbeat ${words[0]} is outside ${HEARTBEAT_INTERVAL_MS_MIN} ms..${HEARTBEAT_INTERVAL_MS_MAX / 1000} s (whole ms)`,
    );
  return intervalMs;
}

/** The operations whose first operand may be a range (`at 0s create vm{1..500}`): one step per name. */
const RANGED_VERBS: ReadonlySet<string> = new Set([
  "create",
  "destroy",
  "pause",
  "unpause",
  "checksum",
  "workload",
  "migrate",
  "migrate-cancel",
  "evacuate",
  "kill",
  "restart",
  "declare-dead",
  "host-enable",
  "host-disable",
  "vm-reset-powerstate",
  "stall",
]);

/** `words` once for each name its first word's range stands for (scenario-range.ts); as is without one. */
function expandedFirst(words: string[], where: string): string[][] {
  const [first, ...rest] = words;
  if (first === undefined) return [words];
  try {
    return expandRange(first).map((name) => [name, ...rest]);
  } catch (error) {
    throw new ScenarioError(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Parses a scenario file; every error names file:line. */
export function parseScenario(text: string, fileName: string, read: ReadText): Scenario {
  const scenario: Scenario = { seed: 1, hosts: [], domains: new Map(), steps: [] };
  const hostIds = new Set<string>();
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const where = `${fileName}:${index + 1}`;
    const words = (lines[index] ?? "").replace(/#.*/, "").trim().split(/\s+/).filter(Boolean);
    const [keyword, ...rest] = words;
    if (keyword === undefined) continue;
    if (keyword === "seed") scenario.seed = positive(rest[0], "seed", where);
    else if (keyword === "heartbeat") scenario.heartbeatIntervalMs = parseHeartbeat(rest, where);
    else if (keyword === "host")
      for (const hostWords of expandedFirst(rest, where)) {
        const host = parseHost(hostWords, where);
        if (hostIds.has(host.hostId))
          throw new ScenarioError(`${where}: host "${host.hostId}" is declared twice`);
        hostIds.add(host.hostId);
        scenario.hosts.push(host);
      }
    else if (keyword === "domain") {
      const named = expandedFirst(rest, where);
      if (named.length > 1 && rest.some((word) => word.startsWith("file=")))
        throw new ScenarioError(`${where}: a range of domains takes inline settings; file= names one domain`);
      for (const domainWords of named) {
        const domain = parseDomain(domainWords, where, dirname(fileName), read);
        if (scenario.domains.has(domain.name))
          throw new ScenarioError(`${where}: domain "${domain.name}" is declared twice`);
        scenario.domains.set(domain.name, domain);
      }
    } else if (keyword === "at") {
      const atMs = parseDurationMs(rest[0] ?? "", where);
      const [verb, ...operands] = rest.slice(1);
      const targets =
        verb === "partition"
          ? [operands.flatMap((word) => expandedFirst([word], where).map(([name]) => name!))]
          : verb !== undefined && RANGED_VERBS.has(verb)
            ? expandedFirst(operands, where)
            : [operands];
      for (const opWords of targets)
        scenario.steps.push({
          atMs,
          op: parseOp([verb ?? "", ...opWords].filter(Boolean), where),
          line: index + 1,
        });
    } else
      throw new ScenarioError(`${where}: unknown keyword "${keyword}" (seed, heartbeat, host, domain, at)`);
  }
  if (scenario.hosts.length === 0) throw new ScenarioError(`${fileName}: no hosts`);
  scenario.steps.sort((x, y) => x.atMs - y.atMs || x.line - y.line);
  for (const step of scenario.steps) checkNames(scenario, step, `${fileName}:${step.line}`);
  return scenario;
}
