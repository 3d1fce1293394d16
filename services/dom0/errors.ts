/**
 * Expected refusals from the toolstack, each with the gRPC status it travels as. They are thrown
 * before any state changes, or after everything done so far has been rolled back.
 */
export type ToolstackErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "RESOURCE_EXHAUSTED"
  | "FAILED_PRECONDITION"
  | "PERMISSION_DENIED"
  | "UNAVAILABLE"
  | "ABORTED";

export class ToolstackError extends Error {
  constructor(
    readonly code: ToolstackErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ToolstackError";
  }
}

/**
 * A refusal that provably left everything as it was (its words say "nothing was changed"): the
 * caller may count on the state it knew, and try again when the code is UNAVAILABLE. Callers match
 * this type, never the text (an evacuation retries it; the VOPR's ledger keeps the guest as it
 * was). Over gRPC it travels with a trailer (transport/grpc/answer-trailer.ts).
 */
export class NothingChangedError extends ToolstackError {}

export function isNothingChanged(error: unknown): error is NothingChangedError {
  return error instanceof NothingChangedError;
}
