import type { ChannelOptions } from "@grpc/grpc-js";

/**
 * Options every xensim gRPC server starts with (hosts, the scheduler, and the benches' baseline
 * servers, so a baseline is the same server without the work).
 *
 * channelz off: grpc-js keeps channelz counters for each call and each message (a tracker object
 * per call, a `Date.now()` per call started and per message sent and received) that only a
 * registered channelz service would read, and xensim registers none. On a host they cost about
 * 6 % of the CPU of a create+destroy round trip (`npm run bench:ab`, docs/create-destroy-cost.md).
 */
export const SERVER_OPTIONS_BASE = {
  "grpc.enable_channelz": 0,
} as const satisfies Partial<ChannelOptions>;
