import { describe, expect, it } from "vitest";
import { Credit2Runqueue } from "./runqueue.js";
import type { Credit2Domain, Credit2Unit } from "./unit.js";

function unitWith(runqueue: Credit2Runqueue, name: number, credit: number): Credit2Unit {
  const domain: Credit2Domain = { domid: name, weight: 256, cap: 0, budgetNs: 0, parked: false, units: [] };
  // Only the credit, runqueue and queued flag matter to the queue; the vCPU stands for a name.
  return {
    vcpu: { domid: name } as never,
    domain,
    credit,
    burntToNs: 0,
    runqueue,
    queued: false,
    parked: false,
    offCap: false,
    owner: runqueue,
  };
}

describe("credit2 runqueue", () => {
  it("keeps waiting units by credit, most first, equal credit in arrival order (runq_insert)", () => {
    const runqueue = new Credit2Runqueue(0, [0, 1]);
    const credits = [5, 9, 5, 1, 9, 7, 5];
    const units = credits.map((credit, i) => unitWith(runqueue, i, credit));
    for (const unit of units) runqueue.insert(unit);
    expect(runqueue.queue.map((u) => u.domain.domid)).toEqual([1, 4, 5, 0, 2, 6, 3]);
    expect(units.every((u) => u.queued)).toBe(true);
  });

  it("removes a unit from the front, middle and end and keeps the order of the rest", () => {
    const runqueue = new Credit2Runqueue(0, [0]);
    const units = [40, 30, 20, 10].map((credit, i) => unitWith(runqueue, i, credit));
    for (const unit of units) runqueue.insert(unit);
    runqueue.remove(units[1]!);
    runqueue.remove(units[0]!);
    runqueue.remove(units[3]!);
    expect(runqueue.queue.map((u) => u.domain.domid)).toEqual([2]);
    expect(units.map((u) => u.queued)).toEqual([false, false, true, false]);
    expect(() => runqueue.remove(units[0]!)).toThrow(/not on this runqueue/);
  });
});
