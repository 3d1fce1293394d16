import { assert } from "../../errors.js";
import type { CreditUnit } from "./unit.js";

/**
 * One pCPU's runqueue, highest priority first and FIFO within a priority (credit.c __runq_insert:
 * a unit goes after every unit of the same or higher priority).
 */
export class CreditRunq {
  readonly units: CreditUnit[] = [];

  constructor(readonly pcpu: number) {}

  get length(): number {
    return this.units.length;
  }

  head(): CreditUnit | undefined {
    return this.units[0];
  }

  insert(unit: CreditUnit): void {
    assert(unit.runqPcpu === undefined, "unit already queued");
    let index = 0;
    while (index < this.units.length && unit.pri <= this.units[index]!.pri) index++;
    this.units.splice(index, 0, unit);
    unit.runqPcpu = this.pcpu;
  }

  remove(unit: CreditUnit): void {
    assert(unit.runqPcpu === this.pcpu, "unit not on this runqueue");
    const index = this.units.indexOf(unit);
    assert(index >= 0, "unit missing from its runqueue");
    this.units.splice(index, 1);
    unit.runqPcpu = undefined;
  }

  /** csched_runq_sort: after accounting changed priorities, restore the order (stably). */
  sort(): void {
    const sorted = [...this.units].sort((a, b) => b.pri - a.pri);
    this.units.splice(0, this.units.length, ...sorted);
  }
}
