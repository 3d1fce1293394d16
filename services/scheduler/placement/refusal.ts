import { NoValidHostError, type Refusal, type Rejection } from "./errors.js";
import { FILTERS, firstFailingFilter, type FilterName } from "./filters.js";
import type { HostState } from "./model.js";
import type { PreparedRequest } from "./prepared.js";

/** Up to this many hosts, the message lists each refusal; beyond, it counts them per filter. */
export const REJECTIONS_LISTED_MAX = 8;
/** Examples quoted per filter in the summary of a large cluster. */
export const EXAMPLES_PER_FILTER = 2;

/**
 * NoValidHostError for `prepared` over the hosts `hostsThen` returns, none of which passes; it is
 * called when the refusal is first read and must return the hosts as they were.
 */
export function refuse(hostsThen: () => readonly HostState[], prepared: PreparedRequest): NoValidHostError {
  return new NoValidHostError(prepared.request.name, () => explainRefusal(hostsThen(), prepared));
}

/**
 * `no host fits "web": h1 memory 512 MiB free < 1024 MiB; h2 no HVM`, hosts in the order given.
 * One pass, O(hosts); sentences are written only for the rejections the message quotes.
 */
export function explainRefusal(hosts: readonly HostState[], prepared: PreparedRequest): Refusal {
  const listAll = hosts.length <= REJECTIONS_LISTED_MAX;
  const counts = FILTERS.map(() => 0);
  const quoted: Rejection[] = [];
  for (const host of hosts) {
    const index = firstFailingFilter(host, prepared);
    const filter = FILTERS[index];
    if (!filter) throw new Error(`refuse: ${host.hostId} passes every filter`);
    const count = (counts[index] ?? 0) + 1;
    counts[index] = count;
    if (listAll || count <= EXAMPLES_PER_FILTER)
      quoted.push({ hostId: host.hostId, filter: filter.name, reason: filter.reason(host, prepared) });
  }
  const countByFilter = new Map<FilterName, number>();
  FILTERS.forEach((filter, i) => {
    if (counts[i]) countByFilter.set(filter.name, counts[i]);
  });
  const text = message(prepared.request.name, hosts.length, countByFilter, quoted, listAll);
  return { countByFilter, rejections: quoted, message: text };
}

function message(
  name: string,
  hostCount: number,
  countByFilter: ReadonlyMap<FilterName, number>,
  quoted: readonly Rejection[],
  listAll: boolean,
): string {
  const head = `no host fits "${name}"`;
  if (hostCount === 0) return `${head}: no hosts`;
  if (listAll) return `${head}: ${quoted.map((r) => r.reason).join("; ")}`;
  // `memory 19000 (e.g. h1 memory ...; h2 memory ...), hvm 1000 (e.g. ...)`, largest count first.
  const parts = [...countByFilter.entries()]
    .sort(([, a], [, b]) => b - a)
    .map(([filter, count]) => {
      const examples = quoted.filter((r) => r.filter === filter).map((r) => r.reason);
      return `${filter} ${count} (e.g. ${examples.join("; ")})`;
    });
  return `${head}: ${hostCount} hosts refused: ${parts.join(", ")}`;
}
