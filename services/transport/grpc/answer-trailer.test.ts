import { describe, expect, it } from "vitest";
import { Metadata, status } from "@grpc/grpc-js";
import { answeredTrailers, isNoAnswer, isPeerAnswer } from "./answer-trailer.js";
import { fromServiceError, toServiceError } from "./status.js";
import { isNothingChanged, NothingChangedError, ToolstackError } from "../../dom0/errors.js";

describe("the answered trailer", () => {
  it("every error a server sends carries it", () => {
    for (const error of [new ToolstackError("UNAVAILABLE", "store down"), new Error("bug")]) {
      const sent = toServiceError(error);
      expect(isPeerAnswer(sent), String(error)).toBe(true);
    }
  });

  it("UNAVAILABLE without it is no answer; with it, an answer", () => {
    expect(isNoAnswer({ code: status.UNAVAILABLE, metadata: new Metadata() })).toBe(true);
    expect(isNoAnswer({ code: status.UNAVAILABLE, metadata: answeredTrailers() })).toBe(false);
    expect(isNoAnswer({ code: status.DEADLINE_EXCEEDED, metadata: new Metadata() })).toBe(false);
  });

  it("a host's silence passed on by the scheduler says the host was unreachable", () => {
    const silence = { code: status.UNAVAILABLE, details: "Connection dropped", metadata: new Metadata() };
    expect(toServiceError(silence)).toMatchObject({ details: "host unreachable: Connection dropped" });
    const refusal = {
      code: status.UNAVAILABLE,
      details: "store down; try again",
      metadata: answeredTrailers(),
    };
    expect(toServiceError(refusal)).toMatchObject({
      code: status.UNAVAILABLE,
      details: "store down; try again",
    });
  });
});

describe("a refusal that changed nothing, across gRPC", () => {
  it("keeps its type and code on the caller's side; another refusal does not gain it", () => {
    const sent = toServiceError(
      new NothingChangedError("UNAVAILABLE", "dns: lease unconfirmed; nothing was changed"),
    );
    const received = fromServiceError({ code: sent.code!, details: sent.details!, metadata: sent.metadata! });
    expect(isNothingChanged(received)).toBe(true);
    expect(received).toMatchObject({
      code: "UNAVAILABLE",
      message: "dns: lease unconfirmed; nothing was changed",
    });
    const other = toServiceError(new ToolstackError("UNAVAILABLE", "nothing was changed, try again"));
    expect(
      isNothingChanged(
        fromServiceError({ code: other.code!, details: other.details!, metadata: other.metadata! }),
      ),
    ).toBe(false);
  });
});
