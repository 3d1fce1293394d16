import { status } from "@grpc/grpc-js";
import { isServiceError } from "../transport/grpc/host-client.js";
import { isNoAnswer, isPeerAnswer } from "../transport/grpc/answer-trailer.js";

/**
 * grpc-js's words for a connection lost after the call went out (an established connection closed
 * or reset under it), as opposed to one never made ("No connection established", refused).
 */
const CONNECTION_LOST_DETAILS = /^(Connection dropped|read ECONNRESET|write EPIPE)/;

/** grpc-js's words when this side's deadline passed before an answer (queries are worded apart). */
const OWN_DEADLINE_DETAILS = /^Deadline exceeded/;

/**
 * What `xsim` prints for a failed command. A call that got no answer says so, and whether the
 * request may have been carried out (the connection dropped after it went out); a host that
 * answered UNAVAILABLE (its state store unreachable, a destination refusing) is quoted in its own
 * words. A verb whose deadline passed (ha-enable, host-declare-dead: HA_CALL_DEADLINE_MS) says the
 * same as a dropped connection: the request went out, so it may have been carried out.
 */
export function describeError(error: unknown): string {
  if (isServiceError(error)) {
    if (isNoAnswer(error))
      return CONNECTION_LOST_DETAILS.test(error.details)
        ? `no answer: the connection dropped after the request went out (${error.details}); ` +
            "a change it asked for may or may not have been made: xsim list shows the state"
        : `unreachable, no answer: ${error.details}`;
    if (
      error.code === status.DEADLINE_EXCEEDED &&
      !isPeerAnswer(error) &&
      OWN_DEADLINE_DETAILS.test(error.details)
    )
      return (
        `no answer before the call's deadline (${error.details}); the request went out, so a change it ` +
        "asked for may or may not have been made: xsim list and xsim ha-status show the state"
      );
    if (error.code === status.UNAUTHENTICATED || error.code === status.PERMISSION_DENIED)
      return `refused (${status[error.code]}): ${error.details}`;
    return error.details;
  }
  return error instanceof Error ? error.message : String(error);
}
