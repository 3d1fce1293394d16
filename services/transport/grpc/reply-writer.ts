import { BinaryWriter } from "@bufbuild/protobuf/wire";
import type { ServiceDefinition } from "@grpc/grpc-js";

// The generated serializers encode each reply into a new protobuf writer (128 bytes, doubled as it
// fills: a domain's reply with its config's JSON grows it three or four times) and copy the result
// twice (the writer's finish, then Buffer.from) before grpc-js copies it a third time into its
// frame. The replies of the busiest methods are encoded instead into one writer that this process
// keeps, and handed over without the Buffer.from copy: grpc-js copies the bytes into its frame at
// once (server-interceptors.js serializeMessage), before any other reply is encoded.

/** A writer that grew past this for one reply is dropped after it, so one huge reply holds no memory. */
export const REUSED_REPLY_WRITER_BYTE_COUNT_MAX = 64 * 1024;

/** What the generated code has for each message: its encoder. */
interface MessageEncoder<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
}

let writer = new BinaryWriter();

/** A serializer that encodes into the process's reused writer: same bytes as `encoder.encode(value).finish()`. */
export function reusedWriterSerializer<T>(encoder: MessageEncoder<T>): (value: T) => Buffer {
  return (value) => {
    let bytes: Uint8Array;
    try {
      bytes = encoder.encode(value, writer).finish();
    } catch (error) {
      writer = new BinaryWriter(); // half a message stays in no writer that is used again
      throw error;
    }
    if (bytes.byteLength > REUSED_REPLY_WRITER_BYTE_COUNT_MAX) writer = new BinaryWriter();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

type Method = ServiceDefinition[string];
type ReplyOf<M> = M extends { responseSerialize: (value: infer R) => Buffer } ? R : never;

/** `definition` with the replies of the methods in `encoders` serialized through the reused writer. */
export function withReusedReplyWriter<D extends Record<string, Method>>(
  definition: D,
  encoders: { [K in keyof D]?: MessageEncoder<ReplyOf<D[K]>> },
): D {
  const result: Record<string, Method> = { ...definition };
  for (const [name, encoder] of Object.entries(encoders) as [string, MessageEncoder<unknown>][]) {
    const method = definition[name];
    if (!method) throw new Error(`withReusedReplyWriter: the service has no method ${name}`);
    result[name] = { ...method, responseSerialize: reusedWriterSerializer(encoder) };
  }
  return result as D;
}
