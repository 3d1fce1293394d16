import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * V8's full GC: global gc when node runs with --expose-gc, else exposed for this process now. What
 * frees a dropped guest memory chunk (its pages go back to the OS only once V8 collects it).
 */
export function fullCollection(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}
