/**
 * What a host tells the cluster. Subjects and payloads are specified in docs/specs/nats-subjects.md;
 * the toolstack only builds payloads and hands them to an EventSink, which a transport implements.
 */
export type DomainEventKind =
  | "created"
  | "destroyed"
  | "paused"
  | "unpaused"
  | "shutdown"
  | "crashed"
  | "rebooted"
  | "renamed"
  | "memory"
  | "vcpus"
  | "workload"
  | "devices"
  | "resumed"
  | "migrated-in"
  | "migrated-out"
  /** HA fenced the guest: destroyed by its host, which lost its lease; HA restarts it elsewhere. */
  | "fenced";

export interface DomainEvent {
  hostId: string;
  event: DomainEventKind;
  domid: number;
  name: string;
  uuid: string;
  state: string;
  memoryKib: number;
  vcpus: number;
  timeMs: number;
  /** Extra facts for this kind, e.g. { oldName } for renamed, { reason } for shutdown. */
  detail?: Record<string, string | number | boolean>;
}

export interface EventSink {
  domainEvent(event: DomainEvent): void;
}

export const NULL_EVENT_SINK: EventSink = { domainEvent: () => undefined };
