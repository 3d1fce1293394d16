import type { FilterName } from "./filters.js";

/** Why one host was refused: the first filter that removed it, and its reason. */
export interface Rejection {
  hostId: string;
  filter: FilterName;
  reason: string;
}

/** The account of a refusal: how many hosts each filter removed, and the sentences quoted. */
export interface Refusal {
  /** Refused hosts per filter; they add up to every host. */
  countByFilter: ReadonlyMap<FilterName, number>;
  /** Every rejection for a small cluster; for a large one, the examples the message quotes. */
  rejections: readonly Rejection[];
  message: string;
}

/**
 * No host passed every filter (Nova's NoValidHost). The message names the filter that removed
 * each host, or for a large cluster counts them per filter with a few examples. The account is
 * written on first use: over thousands of hosts it is an O(hosts) pass that a caller counting
 * refusals never needs, so the engine hands over a snapshot and `explain` instead.
 */
export class NoValidHostError extends Error {
  private explained: Refusal | undefined;
  private retold: ((head: string, detail: string) => string) | undefined;

  constructor(
    readonly requestName: string,
    private readonly explain: () => Refusal,
  ) {
    super(`no host fits "${requestName}"`);
    this.name = "NoValidHostError";
    // V8 formats `stack` on first access, through this getter too.
    Object.defineProperty(this, "message", {
      get: () => this.retoldMessage(),
      configurable: true,
      enumerable: false,
    });
  }

  /**
   * Has the message told otherwise by the caller, from its head (`no host fits "web"`) and the
   * account after it (`rn1 down; rn2 down`): the scheduler names a cause the hosts cannot show.
   */
  retell(compose: (head: string, detail: string) => string): this {
    this.retold = compose;
    return this;
  }

  private retoldMessage(): string {
    const message = this.refusal.message;
    const head = `no host fits "${this.requestName}"`;
    if (!this.retold || !message.startsWith(`${head}: `)) return message;
    return this.retold(head, message.slice(head.length + 2));
  }

  get refusal(): Refusal {
    return (this.explained ??= this.explain());
  }

  get countByFilter(): ReadonlyMap<FilterName, number> {
    return this.refusal.countByFilter;
  }

  get rejections(): readonly Rejection[] {
    return this.refusal.rejections;
  }
}

/** A request that cannot be placed anywhere as written (bad sizes, unknown type). */
export class InvalidPlacementRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidPlacementRequestError";
  }
}

export class UnknownPolicyError extends Error {
  constructor(
    readonly policyName: string,
    known: readonly string[],
  ) {
    super(`unknown placement policy "${policyName}" (known: ${known.join(", ")})`);
    this.name = "UnknownPolicyError";
  }
}
