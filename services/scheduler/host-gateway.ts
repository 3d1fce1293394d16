import type { DomainInfo, ListResponse } from "../gen/xensim/v1/host.js";
import type { MigrateEvent, MigrateRequest } from "../gen/xensim/v1/migration.js";

/** How the scheduler acts on hosts: through their own services (gRPC in the real wiring). */
export interface HostGateway {
  /** `xl list` of every domain, with the host's HA lease epoch then (docs/specs/ha.md §5). */
  list(address: string): Promise<ListResponse>;
  create(
    address: string,
    request: {
      configText: string;
      configFileName: string;
      overrides: string[];
      paused: boolean;
      configJson?: string;
    },
  ): Promise<DomainInfo>;
  /**
   * Runs a migration on the source host; `onEvent` sees its progress; resolves with the last event
   * (a failed one too), or rejects: a refusal that changed nothing (the source's or the
   * destination's) rejects with a NothingChangedError, its statistics already seen by `onEvent`.
   */
  migrate(
    sourceAddress: string,
    request: MigrateRequest,
    onEvent: (event: MigrateEvent) => void,
  ): Promise<MigrateEvent>;
}
