import { natsAuthorizationOf, type NatsAuthorization } from "../identity/nats-authorization.js";
import type { Role } from "../identity/roles.js";

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
  private readonly members = new Map<string, NatsAuthorization>();

  admit(processId: string, role: Role, name: string): void {
    this.members.set(processId, natsAuthorizationOf(role, name));
  }

  /** The server's refusal of `processId` publishing on `subject`; undefined when allowed. */
  publishRefusal(processId: string, subject: string): string | undefined {
    return this.kept(processId, this.members.get(processId)?.publishRefusal(subject));
  }

  /** The server's refusal of `processId` subscribing to `subject`; undefined when allowed. */
  subscribeRefusal(processId: string, subject: string): string | undefined {
    return this.kept(processId, this.members.get(processId)?.subscribeRefusal(subject));
  }

  private kept(processId: string, refusal: string | undefined): string | undefined {
    if (refusal === undefined) return undefined;
    const refused = { processId, refusal };
    this.refusals.push(refused);
    for (const listener of this.listeners) listener(refused);
    return refusal;
  }
}
