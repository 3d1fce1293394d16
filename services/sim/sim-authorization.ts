import { natsAuthorizationOf, type NatsAuthorization } from "../identity/nats-authorization.js";
import type { Role } from "../identity/roles.js";

/**
 * Subjects whose publish verdict the authorizer remembers per member (a member's permissions never
 * change once admitted; migration subjects are new each time: a bound).
 */
const PUBLISH_VERDICT_SUBJECT_COUNT_MAX = 1_000;

/** An admitted member: its permissions and the verdicts on the subjects it published on so far. */
interface Member {
  authorization: NatsAuthorization;
  /** Subject -> the server's refusal, or null when allowed. */
  publishVerdicts: Map<string, string | null>;
  /** The subject it last published on and its verdict (a host publishes little but its heartbeat). */
  lastSubject: string | undefined;
  lastVerdict: string | null;
}

/** One refusal: who tried, and the server's words. */
export interface SimRefusal {
  processId: string;
  refusal: string;
}

/**
 * nats-server's authorization in the one-process cluster: each process that connects to the broker
 * is admitted as the member it is in a real cluster (a host under its id, the scheduler), with the
 * permissions nats-server's config gives that member (services/identity/nats-permissions.ts, the
 * one table both read). The broker and the bucket ask it before a publish, a subscription or a key
 * write, and refuse what the real server refuses, with its words; every refusal is kept, so a
 * checker (the VOPR) fails on any. A process never admitted is not checked, as on a server without
 * authorization (tests of the bus alone).
 */
export class SimAuthorizer {
  readonly refusals: SimRefusal[] = [];
  readonly listeners: Array<(refusal: SimRefusal) => void> = [];
  private readonly members = new Map<string, Member>();
  /**
   * Grows with every admission: a publish allowed while it stands is allowed again on the same
   * subject by the same member (SimBroker keeps each connection's last allowed subject by it).
   */
  admitVersion = 0;

  admit(processId: string, role: Role, name: string): void {
    this.admitVersion++;
    this.members.set(processId, {
      authorization: natsAuthorizationOf(role, name),
      publishVerdicts: new Map(),
      lastSubject: undefined,
      lastVerdict: null,
    });
  }

  /**
   * The server's refusal of `processId` publishing on `subject`; undefined when allowed. Every
   * publish asks (a heartbeat, a lease renewal): the verdict is worked out once per subject.
   */
  publishRefusal(processId: string, subject: string): string | undefined {
    const member = this.members.get(processId);
    if (!member) return undefined;
    let verdict = subject === member.lastSubject ? member.lastVerdict : member.publishVerdicts.get(subject);
    if (verdict === undefined) {
      verdict = member.authorization.publishRefusal(subject) ?? null;
      if (member.publishVerdicts.size >= PUBLISH_VERDICT_SUBJECT_COUNT_MAX) member.publishVerdicts.clear();
      member.publishVerdicts.set(subject, verdict);
    }
    member.lastSubject = subject;
    member.lastVerdict = verdict;
    return this.kept(processId, verdict ?? undefined);
  }

  /** The server's refusal of `processId` subscribing to `subject`; undefined when allowed. */
  subscribeRefusal(processId: string, subject: string): string | undefined {
    return this.kept(processId, this.members.get(processId)?.authorization.subscribeRefusal(subject));
  }

  private kept(processId: string, refusal: string | undefined): string | undefined {
    if (refusal === undefined) return undefined;
    const refused = { processId, refusal };
    this.refusals.push(refused);
    for (const listener of this.listeners) listener(refused);
    return refusal;
  }
}
