import { status } from "@grpc/grpc-js";
import type { DomainInfo } from "../gen/xensim/v1/host.js";
import { isServiceError } from "../transport/grpc/host-client.js";
import { isNoAnswer } from "../transport/grpc/answer-trailer.js";
import type { HostTarget } from "./host-routing.js";

/**
 * How long `list -c` waits for a host the scheduler already sees down: one cut from the broker
 * answers at once, as any host does; one stalled or gone need not hold the list for the query
 * deadline (CLI_QUERY_DEADLINE_MS, 20 s).
 */
export const DOWN_HOST_LIST_DEADLINE_MS = 5_000;

export interface HostDomain {
  hostId: string;
  domain: DomainInfo;
}

/** What asking every host for its domains found (`xsim list -c`: the scheduler's view knows no pools). */
export interface EveryHostList {
  domains: HostDomain[];
  /** Hosts the scheduler sees down that did not answer either: their guests may still run. */
  unreachableHostIds: string[];
  /** Hosts the scheduler sees up that did not answer: "h2: <why>". */
  unansweredHosts: string[];
  /** Hosts the scheduler sees down that answered all the same (cut from the broker, not from us). */
  answeredDownHostIds: string[];
}

/**
 * Asks every host, the ones the scheduler sees down too: a host cut from the broker may answer
 * the CLI, and its guests run (before, such a host was not asked and its guests were missing). A
 * host that does not answer (refused, stalled past the query deadline) or whose address the
 * scheduler no longer knows leaves the others listed;
 * any other refusal is the command's error.
 */
export async function listEveryHost(
  up: readonly HostTarget[],
  down: readonly HostTarget[],
  list: (host: HostTarget, seenDown: boolean) => Promise<DomainInfo[]>,
): Promise<EveryHostList> {
  const result: EveryHostList = {
    domains: [],
    unreachableHostIds: [],
    unansweredHosts: [],
    answeredDownHostIds: [],
  };
  const asked = [...up.map((host) => ({ host, down: false })), ...down.map((host) => ({ host, down: true }))];
  const answers = await Promise.all(
    asked.map(async ({ host, down: seenDown }) => {
      if (host.address === "") return { why: "no address known" };
      try {
        return { domains: await list(host, seenDown) };
      } catch (error) {
        if (!isServiceError(error) || !(isNoAnswer(error) || error.code === status.DEADLINE_EXCEEDED))
          throw error;
        return { why: error.details };
      }
    }),
  );
  answers.forEach((answer, i) => {
    const { host, down: seenDown } = asked[i]!;
    if (answer.domains !== undefined) {
      for (const domain of answer.domains) result.domains.push({ hostId: host.hostId, domain });
      if (seenDown) result.answeredDownHostIds.push(host.hostId);
    } else if (seenDown) result.unreachableHostIds.push(host.hostId);
    else result.unansweredHosts.push(`${host.hostId}: ${answer.why}`);
  });
  return result;
}

/**
 * What `xsim list -c` says of hosts the scheduler sees down that answered it: listed all the same.
 * With the scheduler's note of its own broker outage (its cause), that note first.
 */
export function answeredDownNote(hostIds: readonly string[], brokerNote = ""): string | undefined {
  if (hostIds.length === 0) return undefined;
  const hosts = `${hostIds.length === 1 ? "host" : "hosts"} ${hostIds.join(", ")}`;
  if (brokerNote) return `xsim: ${brokerNote}; listed all the same: ${hosts} answered`;
  return `xsim: listed, though the scheduler sees it down (no heartbeat): ${hosts}, which answered (cut from the broker, or late)`;
}
