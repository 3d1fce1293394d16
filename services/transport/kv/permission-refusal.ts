import { NatsError } from "nats";
import { ToolstackError } from "../../dom0/errors.js";
import { storeWriteRefusal } from "../../identity/nats-authorization.js";

/**
 * A key-value write nats-server refused (its permissions for this member,
 * services/identity/nats-permissions.ts) as PERMISSION_DENIED in the words the in-process cluster
 * uses too (storeWriteRefusal, with the server's own text); undefined for any other failure.
 */
export function refusedWrite(operation: string, key: string, error: unknown): ToolstackError | undefined {
  if (!(error instanceof NatsError) || !error.isPermissionError()) return undefined;
  // The client keeps the quotes of the server's `-ERR '...'`.
  const violation = error.message.replace(/^'(.*)'$/, "$1");
  return new ToolstackError("PERMISSION_DENIED", storeWriteRefusal(operation, key, violation));
}
