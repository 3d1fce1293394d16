import { Metadata, status } from "@grpc/grpc-js";

/**
 * The trailer every xensim server sets on the errors it sends. grpc-js fails a call that got no
 * answer (connection refused or dropped, no route) with UNAVAILABLE too, and with no trailers: the
 * trailer tells a peer's refusal ("the state store cannot be reached; try again") from silence.
 */
export const ANSWERED_TRAILER_KEY = "xsim-answered";

/** The trailer of a refusal that left everything as it was (dom0/errors.ts NothingChangedError). */
export const NOTHING_CHANGED_TRAILER_KEY = "xsim-nothing-changed";

/** Trailers for an error this process sends as its answer; `nothingChanged`: a NothingChangedError. */
export function answeredTrailers(nothingChanged = false): Metadata {
  const trailers = new Metadata();
  trailers.set(ANSWERED_TRAILER_KEY, "1");
  if (nothingChanged) trailers.set(NOTHING_CHANGED_TRAILER_KEY, "1");
  return trailers;
}

/** Whether the peer said its refusal left everything as it was. */
export function isNothingChangedAnswer(error: { metadata?: Metadata }): boolean {
  return (error.metadata?.get(NOTHING_CHANGED_TRAILER_KEY).length ?? 0) > 0;
}

/** Whether a gRPC error came from the peer (it answered), not from grpc-js on this side. */
export function isPeerAnswer(error: { metadata?: Metadata }): boolean {
  return (error.metadata?.get(ANSWERED_TRAILER_KEY).length ?? 0) > 0;
}

/** A call that got no answer: UNAVAILABLE that no xensim server sent. */
export function isNoAnswer(error: { code: status; metadata?: Metadata }): boolean {
  return error.code === status.UNAVAILABLE && !isPeerAnswer(error);
}
