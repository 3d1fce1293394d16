import {
  makeGenericClientConstructor,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientOptions,
} from "@grpc/grpc-js";
import {
  channelCredentials as clusterCredentials,
  clusterChannelOptions,
  clusterSecurity,
  type ClusterSecurity,
} from "../tls/cluster-credentials.js";
import { MigrationService, type MigrationClient, type StreamChunk } from "../../gen/xensim/v1/migration.js";

/** grpc-js messages up to this size (a 1024-page PAGE_DATA record is 4 MiB + 16 KiB). */
export const MIGRATION_MESSAGE_BYTES_MAX = 64 * 1024 * 1024;
/**
 * HTTP/2 flow-control window of the pulling side (grpc-node.flow_control_window): the bytes that
 * may be in flight unread. Above the 64 KiB default it no longer limits throughput on loopback
 * (1 MiB moves as fast as 64 MiB, bench:migration), but it bounds the backlog the destination
 * must still read after the source pauses the guest: 64 MiB of it (the kernel's buffers can hold
 * 32 MiB here) cost an idle guest 50-200 ms of downtime, 2 MiB costs a few ms.
 */
export const PULL_FLOW_CONTROL_WINDOW_BYTES = 2 * 1024 * 1024;

/** Tag of StreamChunk field 1 (`bytes data`): field number 1, wire type 2 (length-delimited). */
const STREAM_CHUNK_DATA_TAG = 0x0a;
/** A tag byte and a varint of at most 5 bytes (lengths below 2^35). */
export const STREAM_CHUNK_PREFIX_BYTE_COUNT_MAX = 6;

/** A StreamChunk whose `data` has `headroomByteCount` bytes in front of it (in `data.buffer`) that are ours. */
export interface FramableStreamChunk extends StreamChunk {
  headroomByteCount?: number;
}

/**
 * StreamChunk { bytes data = 1 } encoded by hand: tag 0x0A, a varint length, the bytes. With
 * enough headroom in front of `data` the prefix is written there and the result is a view (grpc-js
 * copies it into its framed message anyway); otherwise the record is copied once after the prefix.
 */
export function serializeStreamChunk(chunk: FramableStreamChunk): Buffer {
  const data = chunk.data;
  const prefixByteCount = 1 + varintByteCount(data.byteLength);
  if ((chunk.headroomByteCount ?? 0) >= prefixByteCount && data.byteOffset >= prefixByteCount) {
    const framed = Buffer.from(
      data.buffer,
      data.byteOffset - prefixByteCount,
      prefixByteCount + data.byteLength,
    );
    writePrefix(framed, data.byteLength);
    return framed;
  }
  const framed = Buffer.allocUnsafe(prefixByteCount + data.byteLength);
  writePrefix(framed, data.byteLength);
  framed.set(data, prefixByteCount);
  return framed;
}

function varintByteCount(value: number): number {
  let byteCount = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 128)) byteCount++;
  return byteCount;
}

function writePrefix(target: Buffer, length: number): void {
  target[0] = STREAM_CHUNK_DATA_TAG;
  let at = 1;
  let rest = length;
  while (rest >= 0x80) {
    target[at++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 128);
  }
  target[at] = rest;
}

/** The Migration service with the hand-written StreamChunk encoder on the hot path. */
export const MIGRATION_SERVICE = {
  ...MigrationService,
  pullStream: { ...MigrationService.pullStream, responseSerialize: serializeStreamChunk },
} as const;

const MigrationClientConstructor = makeGenericClientConstructor(
  MIGRATION_SERVICE,
  "xensim.v1.Migration",
) as unknown as {
  new (address: string, creds: ChannelCredentials, options?: ClientOptions): MigrationClient;
};

/**
 * Keepalive of the stream between two hosts (time between pings, then the wait for the answer): a
 * host that stops answering is given up within 4 s, so the other end aborts its half and the guest
 * is never left paused for longer.
 */
export const MIGRATION_KEEPALIVE_MS = 2000;
/**
 * Keepalive of a channel that only watches or asks (the CLI's `xsim migrate`, `save`, `restore`,
 * `migrations`; the scheduler's watch of the migrations it starts): a source starved for a few
 * seconds (a stall, a busy machine) must not cut the watcher off while the migration goes on, or
 * the user is told "Connection dropped" about a migration that then completes or fails unseen. The
 * source's own answer (completed, or failed with its reason) comes once it runs again; a source
 * gone for good is still given up within twice this.
 */
export const MIGRATION_WATCH_KEEPALIVE_MS = 10_000;

/** The stream between two hosts (GrpcPeer's handshake and VERIFY, the puller). */
export const MIGRATION_CHANNEL_OPTIONS: Partial<ChannelOptions> = {
  "grpc.max_receive_message_length": MIGRATION_MESSAGE_BYTES_MAX,
  "grpc.max_send_message_length": MIGRATION_MESSAGE_BYTES_MAX,
  "grpc.keepalive_time_ms": MIGRATION_KEEPALIVE_MS,
  "grpc.keepalive_timeout_ms": MIGRATION_KEEPALIVE_MS,
  "grpc.keepalive_permit_without_calls": 1,
};

/** A channel that watches or asks (MIGRATION_WATCH_KEEPALIVE_MS): the CLI's and the scheduler's. */
export const MIGRATION_WATCH_CHANNEL_OPTIONS: Partial<ChannelOptions> = {
  ...MIGRATION_CHANNEL_OPTIONS,
  "grpc.keepalive_time_ms": MIGRATION_WATCH_KEEPALIVE_MS,
  "grpc.keepalive_timeout_ms": MIGRATION_WATCH_KEEPALIVE_MS,
};

export function connectMigration(
  address: string,
  options: ClientOptions = {},
  channelCredentials: ChannelCredentials = clusterCredentials(["host"]),
): MigrationClient {
  return new MigrationClientConstructor(address, channelCredentials, {
    ...MIGRATION_CHANNEL_OPTIONS,
    ...clusterChannelOptions(),
    ...options,
  });
}

/** A Migration client under `security` rather than the process's (a bench comparing TLS with none). */
export function connectMigrationAs(address: string, security: ClusterSecurity): MigrationClient {
  return connectMigration(address, clusterChannelOptions(security), clusterCredentials(["host"], security));
}

/** A Migration client that watches or asks (MIGRATION_WATCH_CHANNEL_OPTIONS), under `security`. */
export function connectMigrationWatch(
  address: string,
  security: ClusterSecurity = clusterSecurity(),
  options: ClientOptions = {},
): MigrationClient {
  return connectMigration(
    address,
    { ...MIGRATION_WATCH_CHANNEL_OPTIONS, ...clusterChannelOptions(security), ...options },
    clusterCredentials(["host"], security),
  );
}

/** Server options a host needs to carry the stream (the bench's bare grpc-js baseline uses them too). */
export const MIGRATION_SERVER_OPTIONS: Partial<ChannelOptions> = {
  "grpc.max_receive_message_length": MIGRATION_MESSAGE_BYTES_MAX,
};

/** The pulling client's channel: a large receive window so the source never stalls. */
export const PULLER_CHANNEL_OPTIONS: Partial<ChannelOptions> = {
  ...MIGRATION_CHANNEL_OPTIONS,
  "grpc-node.flow_control_window": PULL_FLOW_CONTROL_WINDOW_BYTES,
};

/** The pulling client: its own channel, with PULLER_CHANNEL_OPTIONS. */
export function connectPuller(address: string, channelCredentials?: ChannelCredentials): MigrationClient {
  return connectMigration(address, PULLER_CHANNEL_OPTIONS, channelCredentials);
}
