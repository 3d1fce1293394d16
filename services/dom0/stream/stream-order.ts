/**
 * Which record may come next (docs/specs/migration-stream.md, "Record order"):
 * header, DOMAIN_INFO, (PAGE_DATA | ROUND_END)*, VCPU_CONTEXT, XENSTORE_DATA, DEVICE_INFO,
 * VERIFY, END. Unknown optional records may appear anywhere between the header and END.
 */
import { RecordType, recordTypeName } from "./format.js";

export const StreamPhase = {
  HEADER: "header",
  DOMAIN_INFO: "domain-info",
  MEMORY: "memory",
  XENSTORE: "xenstore",
  DEVICES: "devices",
  VERIFY: "verify",
  END: "end",
  DONE: "done",
} as const;
export type StreamPhase = (typeof StreamPhase)[keyof typeof StreamPhase];

interface Transition {
  type: RecordType;
  next: StreamPhase;
}

const TRANSITIONS: { [phase in StreamPhase]: readonly Transition[] } = {
  header: [],
  "domain-info": [{ type: RecordType.DOMAIN_INFO, next: StreamPhase.MEMORY }],
  memory: [
    { type: RecordType.PAGE_DATA, next: StreamPhase.MEMORY },
    { type: RecordType.ROUND_END, next: StreamPhase.MEMORY },
    { type: RecordType.VCPU_CONTEXT, next: StreamPhase.XENSTORE },
  ],
  xenstore: [{ type: RecordType.XENSTORE_DATA, next: StreamPhase.DEVICES }],
  devices: [{ type: RecordType.DEVICE_INFO, next: StreamPhase.VERIFY }],
  verify: [{ type: RecordType.VERIFY, next: StreamPhase.END }],
  end: [{ type: RecordType.END, next: StreamPhase.DONE }],
  done: [],
};

/** The phase after a record of `type`, or a description of what was expected instead. */
export function nextPhase(phase: StreamPhase, type: RecordType): StreamPhase | { expected: string } {
  const transitions = TRANSITIONS[phase];
  for (const transition of transitions) if (transition.type === type) return transition.next;
  if (phase === StreamPhase.DONE) return { expected: "nothing after END" };
  if (phase === StreamPhase.HEADER) return { expected: "the image header" };
  const names = transitions.map((transition) => recordTypeName(transition.type));
  return {
    expected: names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} or ${names.at(-1)!}`,
  };
}
