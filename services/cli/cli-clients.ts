import type { HostClient } from "../gen/xensim/v1/host.js";
import type { MigrationClient } from "../gen/xensim/v1/migration.js";
import { connectHost } from "../transport/grpc/host-client.js";
import { connectMigrationWatch } from "../transport/grpc/migration-service.js";
import { clusterSecurity } from "../transport/tls/cluster-credentials.js";
import { cliClientOptions } from "./query-deadline.js";

/** The CLI's Host client: the process's credentials, its queries under CLI_QUERY_DEADLINE_MS. */
export function connectCliHost(address: string): HostClient {
  return connectHost(address, clusterSecurity(), cliClientOptions(address));
}

/** The CLI's Migration client: it watches (gentle keepalive), its queries under CLI_QUERY_DEADLINE_MS. */
export function connectCliMigration(address: string): MigrationClient {
  return connectMigrationWatch(address, clusterSecurity(), cliClientOptions(address));
}
