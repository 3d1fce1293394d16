import { ToolstackError } from "../errors.js";
import type { Toolstack, DomainRecord } from "../toolstack.js";
import {
  ARMED_FAULT_COUNT_MAX,
  checkMigrationFaultPlan,
  type MigrationFaultPlan,
} from "./migration-fault.js";

/**
 * A host's fault injection (docs/specs/fault-injection.md): off unless the host was started with
 * it allowed; then every request is checked and bounded. Migration faults are armed per domain
 * and taken, once, by that domain's next outgoing migration.
 */
export class FaultInjector {
  private readonly armed = new Map<string, MigrationFaultPlan>();

  constructor(
    readonly allowed: boolean,
    private readonly hostId: string,
  ) {}

  private requireAllowed(): void {
    if (!this.allowed)
      throw new ToolstackError(
        "FAILED_PRECONDITION",
        `fault injection is off on host ${this.hostId}: start it with --allow-fault-injection`,
      );
  }

  crashDomain(toolstack: Toolstack, ref: string): DomainRecord {
    this.requireAllowed();
    const record = toolstack.requireDomain(ref);
    toolstack.injectCrash(ref);
    return record;
  }

  armMigration(toolstack: Toolstack, plan: MigrationFaultPlan): MigrationFaultPlan {
    this.requireAllowed();
    const checked = checkMigrationFaultPlan(plan);
    const name = toolstack.requireDomain(checked.domain).name;
    if (!this.armed.has(name) && this.armed.size >= ARMED_FAULT_COUNT_MAX)
      throw new ToolstackError(
        "RESOURCE_EXHAUSTED",
        `${ARMED_FAULT_COUNT_MAX} migration faults are armed already; clear some first`,
      );
    const stored = { ...checked, domain: name };
    this.armed.set(name, stored);
    return stored;
  }

  list(): MigrationFaultPlan[] {
    this.requireAllowed();
    return [...this.armed.values()];
  }

  clear(): void {
    this.requireAllowed();
    this.armed.clear();
  }

  /** The faults armed for `domainName`'s migration, removed as they are taken. */
  takeMigration(domainName: string): MigrationFaultPlan | undefined {
    const plan = this.armed.get(domainName);
    this.armed.delete(domainName);
    return plan;
  }
}
