import { describe, expect, it } from "vitest";
import { Metadata, status } from "@grpc/grpc-js";
import { answeredTrailers, isNoAnswer, isPeerAnswer } from "./answer-trailer.js";
import { toServiceError } from "./status.js";
import { ToolstackError } from "../../dom0/errors.js";

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
