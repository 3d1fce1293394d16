import { PkiError, RESERVED_HOST_NAME } from "./pki.js";
import type { PkiInitOptions } from "./pki-init.js";

/** The pool's host ids: `extra1`, `extra2`, ... (compose's scalable service is `extra`). */
export const HOST_POOL_PREFIX_DEFAULT = "extra";
/** A host id as the host service takes it (services/contracts/subjects.ts HOST_ID_PATTERN). */
const HOST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** pki-init's flags, checked: each mistake named with the flag it came from. */
export function parsePkiInitArgs(values: {
  dir?: string | undefined;
  hosts: string;
  pool: string;
  "pool-prefix": string;
  "nats-listen": string;
  "nats-store-dir": string;
}): PkiInitOptions {
  if (!values.dir) throw new PkiError("--dir DIR is required: where to make the cluster's PKI");
  const hostIds = values.hosts
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  for (const id of hostIds) {
    if (!HOST_ID_PATTERN.test(id))
      throw new PkiError(`--hosts: "${id}" is not a host id (letters, digits, - and _)`);
    if (id === RESERVED_HOST_NAME) throw new PkiError(`--hosts: a host may not be named "${id}"`);
  }
  if (!/^\d+$/.test(values.pool)) throw new PkiError(`--pool "${values.pool}": give a whole number of hosts`);
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,40}$/.test(values["pool-prefix"]))
    throw new PkiError(
      `--pool-prefix "${values["pool-prefix"]}": letters, digits, - and _, starting with a letter`,
    );
  return {
    pkiDir: values.dir,
    hostIds,
    poolHostCount: Number(values.pool),
    poolPrefix: values["pool-prefix"],
    natsListen: values["nats-listen"],
    natsStoreDir: values["nats-store-dir"],
  };
}
