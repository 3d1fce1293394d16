import { makeGenericClientConstructor, type ChannelOptions, credentials } from "@grpc/grpc-js";
import { MigrationService, type MigrationClient, type StreamChunk } from "../../gen/xensim/v1/migration.js";

/** grpc-js messages up to this size (a 1024-page PAGE_DATA record is 4 MiB + 16 KiB). */
export const MIGRATION_MESSAGE_BYTES_MAX = 64 * 1024 * 1024;
/** HTTP/2 flow-control window of the pulling side (grpc-node.flow_control_window). */
export const PULL_FLOW_CONTROL_WINDOW_BYTES = 64 * 1024 * 1024;

/**
 * StreamChunk { bytes data = 1 } encoded by hand: tag 0x0A, a varint length, the bytes. The
 * generated encoder would copy the record through a growing writer first; this copies it once.
 */
export function serializeStreamChunk(chunk: StreamChunk): Buffer {
  const data = chunk.data;
  const prefix = Buffer.allocUnsafe(11);
  prefix[0] = 0x0a;
  let length = data.byteLength;
  let at = 1;
  while (length >= 0x80) {
    prefix[at++] = (length & 0x7f) | 0x80;
    length = Math.floor(length / 128);
  }
  prefix[at++] = length;
  return Buffer.concat([prefix.subarray(0, at), data], at + data.byteLength);
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
  new (
    address: string,
    creds: ReturnType<typeof credentials.createInsecure>,
    options?: Partial<ChannelOptions>,
  ): MigrationClient;
};

export const MIGRATION_CHANNEL_OPTIONS: Partial<ChannelOptions> = {
  "grpc.max_receive_message_length": MIGRATION_MESSAGE_BYTES_MAX,
  "grpc.max_send_message_length": MIGRATION_MESSAGE_BYTES_MAX,
  "grpc.keepalive_time_ms": 2000,
  "grpc.keepalive_timeout_ms": 2000,
  "grpc.keepalive_permit_without_calls": 1,
};

export function connectMigration(address: string, options: Partial<ChannelOptions> = {}): MigrationClient {
  return new MigrationClientConstructor(address, credentials.createInsecure(), {
    ...MIGRATION_CHANNEL_OPTIONS,
    ...options,
  });
}

/** The pulling client: its own channel, with a large receive window so the source never stalls. */
export function connectPuller(address: string): MigrationClient {
  return connectMigration(address, { "grpc-node.flow_control_window": PULL_FLOW_CONTROL_WINDOW_BYTES });
}
