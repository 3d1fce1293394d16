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
