import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { OperationEvent } from "../gen/xensim/v1/scheduler.js";
import { answeredTrailers } from "../transport/grpc/answer-trailer.js";
import { streamOperation } from "./scheduler-commands.js";

/** Where the CLI found the scheduler (XSIM_SCHEDULER). */
const SCHEDULER = "127.0.0.1:7000";

/** An Evacuate stream the test drives, and what the CLI printed of it. */
function fakeOperation() {
  const call = new EventEmitter();
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: () => undefined };
  const send = (event: Partial<OperationEvent>) => call.emit("data", OperationEvent.fromPartial(event));
  const fail = (error: object) => call.emit("error", Object.assign(new Error("stream failed"), error));
  return { call, io, lines, send, fail };
}

describe("streamOperation: how host-evacuate and rebalance end when their stream does", () => {
  it("a scheduler that stops answering once the evacuation runs: said so, outcome unknown", async () => {
    const { call, io, lines, send, fail } = fakeOperation();
    const following = streamOperation(call, io, "host-evacuate h2", SCHEDULER);
    send({ kind: "info", message: "evacuating 2 domains from h2, 10 at a time" });
    fail({ code: status.UNAVAILABLE, details: "Connection dropped" });
    await expect(following).rejects.toThrow(
      "the scheduler 127.0.0.1:7000 stopped answering during host-evacuate h2 (Connection dropped): the migrations it " +
        "had started may have completed or not; xsim list shows where the guests run",
    );
    expect(lines).toEqual(["info       evacuating 2 domains from h2, 10 at a time"]);
  });

  it("the scheduler's own refusal keeps its words", async () => {
    const { call, io, send, fail } = fakeOperation();
    const following = streamOperation(call, io, "host-evacuate h2", SCHEDULER);
    send({ kind: "info", message: "evacuating" });
    fail({
      code: status.UNAVAILABLE,
      details: "the state store cannot be reached",
      metadata: answeredTrailers(),
    });
    await expect(following).rejects.toThrow(/^the state store cannot be reached$/);
  });

  it("no event yet (never reached): the connection's words alone", async () => {
    const { call, io, fail } = fakeOperation();
    const following = streamOperation(call, io, "rebalance", SCHEDULER);
    fail({ code: status.UNAVAILABLE, details: "No connection established" });
    await expect(following).rejects.toThrow(/^No connection established$/);
  });

  it("ends with the final event's ok", async () => {
    const { call, io, send } = fakeOperation();
    const following = streamOperation(call, io, "rebalance", SCHEDULER);
    send({ kind: "done", final: true, ok: false, message: "1 not moved" });
    call.emit("end");
    await expect(following).resolves.toBe(false);
  });
});
