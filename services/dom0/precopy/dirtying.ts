import { assert } from "../../core/errors.js";

/**
 * Distinct pages dirtied when `writesPerSecond` writes land uniformly at random on a working set of
 * `pageCountW` pages for `seconds`: the exact form N(1 - (1 - 1/N)^(r t)) (comparables.md §5).
 */
export function distinctPagesDirtied(pageCountW: number, writesPerSecond: number, seconds: number): number {
  assert(
    Number.isInteger(pageCountW) && pageCountW >= 1,
    `working set ${pageCountW} pages is not a count >= 1`,
  );
  assert(
    writesPerSecond >= 0 && Number.isFinite(writesPerSecond) && seconds >= 0,
    `writes ${writesPerSecond}/s for ${seconds} s`,
  );
  const writeCount = writesPerSecond * seconds;
  if (writeCount === 0) return 0;
  if (pageCountW === 1) return 1;
  // (1 - 1/N)^(r t) = exp(r t ln(1 - 1/N)), through log1p/expm1 to keep precision for large N.
  return -pageCountW * Math.expm1(writeCount * Math.log1p(-1 / pageCountW));
}

/**
 * The continuous form in bytes, U(t) = W (1 - e^(-D t / W)): what a working set of `workingSetBytes`
 * written at `dirtyBytesPerSecond` has dirtied after `seconds`.
 */
export function uniformDirtyBytes(
  workingSetBytes: number,
  dirtyBytesPerSecond: number,
  seconds: number,
): number {
  assert(workingSetBytes > 0, `working set ${workingSetBytes} B is not > 0`);
  assert(
    dirtyBytesPerSecond >= 0 && Number.isFinite(dirtyBytesPerSecond) && seconds >= 0,
    `dirtying ${dirtyBytesPerSecond} B/s for ${seconds} s`,
  );
  return -workingSetBytes * Math.expm1((-dirtyBytesPerSecond * seconds) / workingSetBytes);
}
