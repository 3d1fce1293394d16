import { status, type ServiceError, type Metadata } from "@grpc/grpc-js";
import {
  isNothingChanged,
  NothingChangedError,
  ToolstackError,
  type ToolstackErrorCode,
} from "../../dom0/errors.js";
import { toToolstackError } from "../../dom0/xen-error-map.js";
import {
  InvalidPlacementRequestError,
  NoValidHostError,
  UnknownPolicyError,
} from "../../scheduler/placement/errors.js";
import { StoreUnavailableError } from "../../contracts/state-store.js";
import { answeredTrailers, isNoAnswer, isNothingChangedAnswer } from "./answer-trailer.js";

/** A gRPC error from a host the scheduler called: passed on with its own code. */
function isServiceErrorLike(error: unknown): error is { code: status; details: string; metadata?: Metadata } {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { code?: unknown }).code === "number" &&
    typeof (error as { details?: unknown }).details === "string"
  );
}

const STATUS_BY_CODE: Record<ToolstackErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAVAILABLE: status.UNAVAILABLE,
  ABORTED: status.ABORTED,
};

/**
 * An expected refusal travels with its status code; anything else is an INTERNAL bug report. Each
 * carries the answered trailer (answer-trailer.ts): the caller knows this process answered.
 */
export function toServiceError(error: unknown): Partial<ServiceError> {
  if (error instanceof NoValidHostError)
    return { code: status.RESOURCE_EXHAUSTED, details: error.message, metadata: answeredTrailers() };
  if (error instanceof UnknownPolicyError || error instanceof InvalidPlacementRequestError) {
    return { code: status.INVALID_ARGUMENT, details: error.message, metadata: answeredTrailers() };
  }
  if (error instanceof StoreUnavailableError)
    return { code: status.UNAVAILABLE, details: `${error.message}; try again`, metadata: answeredTrailers() };
  if (isServiceErrorLike(error)) {
    // A host that did not answer at all: say so, this process's answer is not the host's words.
    const details = isNoAnswer(error) ? `host unreachable: ${error.details}` : error.details;
    return { code: error.code, details, metadata: answeredTrailers() };
  }
  const mapped = toToolstackError(error);
  if (mapped instanceof ToolstackError) {
    const trailers = answeredTrailers(isNothingChanged(mapped));
    return { code: STATUS_BY_CODE[mapped.code], details: mapped.message, metadata: trailers };
  }
  const message = mapped instanceof Error ? (mapped.stack ?? mapped.message) : String(mapped);
  return { code: status.INTERNAL, details: `internal error: ${message}`, metadata: answeredTrailers() };
}

/**
 * A peer's gRPC error as this side throws it on: a refusal that left everything as it was is a
 * NothingChangedError again (its code and words), anything else an Error with the peer's words.
 */
export function fromServiceError(error: { code: status; details: string; metadata?: Metadata }): Error {
  const code = TOOLSTACK_CODE_BY_STATUS.get(error.code);
  if (code !== undefined && isNothingChangedAnswer(error))
    return new NothingChangedError(code, error.details);
  return new Error(error.details);
}

const TOOLSTACK_CODE_BY_STATUS = new Map(
  Object.entries(STATUS_BY_CODE).map(([code, grpcStatus]) => [grpcStatus, code as ToolstackErrorCode]),
);

/** Wraps a unary handler body: returns its value or the mapped error through the callback. */
export function unary<Req, Res>(
  body: (request: Req) => Res | Promise<Res>,
): (call: { request: Req }, callback: (error: Partial<ServiceError> | null, value?: Res) => void) => void {
  return (call, callback) => {
    Promise.resolve()
      .then(() => body(call.request))
      .then(
        (value) => callback(null, value),
        (error: unknown) => callback(toServiceError(error)),
      );
  };
}
