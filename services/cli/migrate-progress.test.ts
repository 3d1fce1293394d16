import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { status, type ClientReadableStream } from "@grpc/grpc-js";
import { MigrationStats, type MigrateEvent } from "../gen/xensim/v1/migration.js";
import { answeredTrailers } from "../transport/grpc/answer-trailer.js";
import { followMigration } from "./migrate-progress.js";

const WATCHED = { from: "source host 127.0.1.5:50051", domain: "web" };

/** A Migrate stream the test drives: statistics, then an error as grpc-js reports it. */
function fakeStream() {
  const emitter = new EventEmitter();
  const call = emitter as unknown as ClientReadableStream<MigrateEvent>;
  const send = (status: string) =>
    emitter.emit("data", { stats: MigrationStats.fromPartial({ domain: "web", status }), final: false });
  const fail = (error: object) => emitter.emit("error", Object.assign(new Error("stream failed"), error));
  return { call, send, fail };
}

describe("followMigration: how `xsim migrate` ends when its stream does", () => {
  it("a peer that stops answering once the migration runs: the outcome is unknown, said so", async () => {
    const { call, send, fail } = fakeStream();
    const following = followMigration(call, () => undefined, WATCHED);
    send("active");
    // grpc-js's own failure of a dropped connection: UNAVAILABLE, no xensim trailer.
    fail({ code: status.UNAVAILABLE, details: "Connection dropped" });
    await expect(following).rejects.toThrow(
      "the source host 127.0.1.5:50051 stopped answering during the migration of web (Connection dropped): " +
        "its outcome is unknown until it answers again; xsim list shows where web runs",
    );
  });

  it("the peer's own UNAVAILABLE answer keeps its words (it answered: the outcome is what it says)", async () => {
    const { call, send, fail } = fakeStream();
    const following = followMigration(call, () => undefined, WATCHED);
    send("active");
    fail({
      code: status.UNAVAILABLE,
      details: "the state store cannot be reached; try again",
      metadata: answeredTrailers(),
    });
    await expect(following).rejects.toThrow(/^the state store cannot be reached; try again$/);
  });

  it("no statistics yet (the source never reached): the connection's words alone", async () => {
    const { call, fail } = fakeStream();
    const following = followMigration(call, () => undefined, WATCHED);
    fail({ code: status.UNAVAILABLE, details: "No connection established" });
    await expect(following).rejects.toThrow(/^No connection established$/);
  });

  it("a final status before the stream broke is the answer", async () => {
    const { call, send, fail } = fakeStream();
    const following = followMigration(call, () => undefined, WATCHED);
    send("completed");
    fail({ code: status.UNAVAILABLE, details: "Connection dropped" });
    await expect(following).resolves.toMatchObject({ status: "completed" });
  });

  it("a stream cut during stop-and-copy or a cancel is no answer: the outcome is unknown", async () => {
    for (const last of ["stop-and-copy", "cancelling"]) {
      const { call, send, fail } = fakeStream();
      const following = followMigration(call, () => undefined, WATCHED);
      send(last);
      fail({ code: status.UNAVAILABLE, details: "Connection dropped" });
      await expect(following).rejects.toThrow(/its outcome is unknown/);
    }
  });

  it("a cancelled migration's last statistics are the answer", async () => {
    const { call, send, fail } = fakeStream();
    const following = followMigration(call, () => undefined, WATCHED);
    send("cancelling");
    send("cancelled");
    fail({
      code: status.ABORTED,
      details: "the migration of web was cancelled",
      metadata: answeredTrailers(),
    });
    await expect(following).resolves.toMatchObject({ status: "cancelled" });
  });
});
