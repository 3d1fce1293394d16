import { describe, expect, it } from "vitest";
import { ToolstackError } from "../errors.js";
import { MigrationCancelledError, OutboundCancel } from "./outbound-cancel.js";

describe("OutboundCancel", () => {
  it("passes its checks until a cancel is requested, then throws the cancel at each", () => {
    const cancel = new OutboundCancel("m1", "web");
    const requested: string[] = [];
    cancel.onRequested = (reason) => requested.push(reason);
    expect(() => cancel.check()).not.toThrow();
    cancel.request("by the operator");
    cancel.request("again");
    expect(requested).toEqual(["by the operator"]);
    expect(cancel.isRequested).toBe(true);
    expect(() => cancel.check()).toThrow(MigrationCancelledError);
    expect(() => cancel.check()).toThrow(
      "the migration of web was cancelled: by the operator; the guest runs on at the source",
    );
    expect(cancel.error().code).toBe("ABORTED");
  });

  it("a cancel requested before the handover stops it there", () => {
    const cancel = new OutboundCancel("m1", "web");
    cancel.request("late but in time");
    expect(() => cancel.closeForHandover()).toThrow(MigrationCancelledError);
  });

  it("refuses a cancel once the handover began, and calls nothing", () => {
    const cancel = new OutboundCancel("m1", "web");
    let called = false;
    cancel.onRequested = () => (called = true);
    cancel.closeForHandover();
    const refusal = (() => {
      try {
        cancel.request("too late");
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(ToolstackError);
    expect(refusal).toMatchObject({ code: "FAILED_PRECONDITION" });
    expect((refusal as Error).message).toMatch(/past the point of no return.*nothing was changed/);
    expect(called).toBe(false);
    expect(cancel.isRequested).toBe(false);
  });
});
