import { describe, expect, it } from "vitest";
import { DomainReply, HostService, ListResponse, type DomainInfo } from "../../gen/xensim/v1/host.js";
import {
  REUSED_REPLY_WRITER_BYTE_COUNT_MAX,
  reusedWriterSerializer,
  withReusedReplyWriter,
} from "./reply-writer.js";
import { HOST_SERVICE_DEFINITION } from "./host-server.js";

function domain(domid: number, configJsonByteCount: number): DomainInfo {
  return {
    ...DomainReply.fromPartial({ domain: {} }).domain!,
    domid,
    name: `guest${domid}`,
    configJson: "x".repeat(configJsonByteCount),
    state: "-b----",
  };
}

describe("replies through the reused writer", () => {
  it("are the bytes the generated serializer makes, reply after reply of every size", () => {
    const serialize = reusedWriterSerializer(ListResponse);
    const sizes = [0, 10, 5_000, 3, REUSED_REPLY_WRITER_BYTE_COUNT_MAX + 10, 40, 127, 128, 70_000, 1];
    sizes.forEach((size, i) => {
      const reply = { domains: [domain(i, size), domain(i + 100, size >> 1)], leaseEpoch: `e${i}` };
      const bytes = serialize(reply);
      expect(bytes.equals(HostService.list.responseSerialize(reply))).toBe(true);
      expect(ListResponse.decode(bytes)).toEqual(reply);
    });
  });

  it("a reply handed out stays as it was while the next is encoded", () => {
    const serialize = reusedWriterSerializer(DomainReply);
    const first = serialize({ domain: domain(1, 300) });
    const copy = Buffer.from(first);
    serialize({ domain: domain(2, 900) });
    expect(first.equals(copy)).toBe(true);
  });

  it("a reply whose encoding fails leaves nothing behind for the next", () => {
    const serialize = reusedWriterSerializer(DomainReply);
    const bad = { domain: { ...domain(1, 10), domid: 1n } as unknown as DomainInfo };
    expect(() => serialize(bad)).toThrow();
    const good = { domain: domain(2, 200) };
    expect(serialize(good).equals(HostService.lookup.responseSerialize(good))).toBe(true);
  });

  it("is what the host's server registers for create, destroy and list, and nothing else changes", () => {
    for (const name of ["create", "destroy", "list"] as const)
      expect(HOST_SERVICE_DEFINITION[name].responseSerialize).not.toBe(HostService[name].responseSerialize);
    expect(HOST_SERVICE_DEFINITION.info).toBe(HostService.info);
    expect(HOST_SERVICE_DEFINITION.create.path).toBe(HostService.create.path);
    expect(() => withReusedReplyWriter(HostService, { nope: DomainReply } as never)).toThrow(
      /no method nope/,
    );
  });
});
