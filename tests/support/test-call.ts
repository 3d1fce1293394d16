import { status } from "@grpc/grpc-js";
import { isServiceError, unaryCall } from "../../services/transport/grpc/host-client.js";

/**
 * How long a test's own gRPC call (a create, a status, a checksum) may go unanswered: past it the
 * call fails naming itself, under vitest's 60 s test timeout, instead of the test timing out with
 * no word of what hung. Hang detection only: no test asserts how long a call takes.
 */
export const TEST_CALL_DEADLINE_MS = 30_000;

type Unary<Req, Res> = Parameters<typeof unaryCall<Req, Res>>[0];

/**
 * `unaryCall` with a deadline: a call unanswered within `deadlineMs` rejects with an Error naming
 * `what` (e.g. "create web on hm1"); any other failure is the call's own error, code and all.
 */
export async function testCall<Req, Res>(
  what: string,
  method: Unary<Req, Res>,
  request: Req,
  deadlineMs = TEST_CALL_DEADLINE_MS,
): Promise<Res> {
  try {
    return await unaryCall(method, request, { deadline: Date.now() + deadlineMs });
  } catch (error) {
    if (isServiceError(error) && error.code === status.DEADLINE_EXCEEDED)
      throw new Error(`${what}: no answer within ${deadlineMs} ms (DEADLINE_EXCEEDED)`, { cause: error });
    throw error;
  }
}
