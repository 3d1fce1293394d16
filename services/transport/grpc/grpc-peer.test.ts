import { describe, expect, it } from "vitest";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { describeGrpc } from "./grpc-peer.js";

function grpcError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

describe("describeGrpc: what broke a migration channel", () => {
  it("says 'connection lost' for a lost connection, however grpc-js worded it", () => {
    // A killed destination's socket reads as either, depending on timing (fresh-clone CI met both).
    expect(describeGrpc(grpcError(status.UNAVAILABLE, "Connection dropped"))).toBe(
      "connection lost (Connection dropped)",
    );
    expect(describeGrpc(grpcError(status.UNAVAILABLE, "read ECONNRESET"))).toBe(
      "connection lost (read ECONNRESET)",
    );
  });

  it("keeps any other status's details as they are", () => {
    expect(describeGrpc(grpcError(status.PERMISSION_DENIED, "no client certificate"))).toBe(
      "no client certificate",
    );
    expect(describeGrpc(new Error("socket hang up"))).toBe("socket hang up");
  });
});
