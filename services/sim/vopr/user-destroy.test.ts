import { describe, expect, it } from "vitest";
import { Prng } from "../../core/prng.js";
import { clusterWithGuestOn } from "../ha-test-guests.js";
import { userDestroy, type ActionContext } from "./actions.js";
import { Ledger } from "./ledger.js";

/**
 * The VOPR's `userDestroy` keeps a guest as created when its host's refusal changed nothing: it
 * asks the error's type (dom0/errors.ts NothingChangedError), never its words (before, it matched
 * "nothing was changed, try again" at the end of the message). A refusal of ha.md §4 rule 10 (the
 * host's lease unconfirmed) is not typed yet (host/ha-guests.ts refuseUserEndWhileHeld says why).
 */
async function destroyRefused(seed: number) {
  const { cluster, user } = await clusterWithGuestOn(seed, 3000, "h1", "ci");
  const ledger = new Ledger();
  const entry = ledger.add("ci", true);
  ledger.created(entry, cluster.host("h1").toolstack.requireDomain("ci").uuid);
  const lines: string[] = [];
  const work: Promise<unknown>[] = [];
  const ctx: ActionContext = {
    cluster,
    user,
    ledger,
    prng: new Prng(seed),
    faults: new Set(),
    trace: (line) => lines.push(line),
    background: (w) => void work.push(w),
  };
  cluster.brokerDown();
  await cluster.idle(1000); // the store unreachable, short of T: refused by the name keeper
  userDestroy(ctx);
  await cluster.run(Promise.all(work));
  return { status: entry.status, lines };
}

describe("the VOPR's user destroy refused, nothing changed", () => {
  it("the store unreachable: the guest stays created", async () => {
    const { status, lines } = await destroyRefused(31);
    expect(lines.at(-1)).toMatch(
      /^destroy ci failed: ci: an HA-protected guest cannot be destroyed while the cluster store is unreachable/,
    );
    expect(status).toBe("created");
  });
});
