import { NothingChangedError, ToolstackError, type ToolstackErrorCode } from "../errors.js";

/** The refusal codes a destination may send in Failed (docs/specs/migration-protocol.md, "Refusals"). */
const REFUSAL_CODES: ReadonlySet<string> = new Set<ToolstackErrorCode>([
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "PERMISSION_DENIED",
  "UNAVAILABLE",
  "ABORTED",
]);

/**
 * The destination's Failed as the source's caller sees it: the destination's own code (ABORTED
 * when it sent none, or one this end does not know) and its words, prefixed with which destination
 * refused; a NothingChangedError when the destination says its refusal left it as it was
 * (`nothing_changed`: the source rolls back, so nothing changed anywhere). Both transports use it,
 * so a refusal reads the same over gRPC and in one process.
 */
export function destinationRefusal(
  address: string,
  reason: string,
  code: string | undefined,
  nothingChanged = false,
): ToolstackError {
  const known = code !== undefined && REFUSAL_CODES.has(code) ? (code as ToolstackErrorCode) : "ABORTED";
  const Refusal = nothingChanged ? NothingChangedError : ToolstackError;
  return new Refusal(known, `destination ${address} refused: ${reason}`);
}
