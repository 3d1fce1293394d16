import { status } from "@grpc/grpc-js";
import { isServiceError } from "../transport/grpc/host-client.js";
import { isNoAnswer } from "../transport/grpc/answer-trailer.js";

/**
 * What `xsim` prints for a failed command. A call that got no answer says so; a host that answered
 * UNAVAILABLE (its state store unreachable, a destination refusing) is quoted in its own words.
 */
export function describeError(error: unknown): string {
  if (isServiceError(error)) {
    if (isNoAnswer(error)) return `unreachable, no answer: ${error.details}`;
    if (error.code === status.UNAUTHENTICATED || error.code === status.PERMISSION_DENIED)
      return `refused (${status[error.code]}): ${error.details}`;
    return error.details;
  }
  return error instanceof Error ? error.message : String(error);
}
