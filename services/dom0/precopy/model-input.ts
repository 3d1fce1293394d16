import { PrecopyOptionError } from "./errors.js";

/** Checks a model parameter given by a user (bench config, CLI): finite and within its range. */
export function checkModelNumber(name: string, value: number, min: number, minInclusive: boolean): number {
  const ok = Number.isFinite(value) && (minInclusive ? value >= min : value > min);
  if (!ok) {
    throw new PrecopyOptionError(
      `model input ${name} ${value} is not a finite number ${minInclusive ? ">=" : ">"} ${min}`,
    );
  }
  return value;
}

/** Checks a whole-number model parameter (a round cap) given by a user. */
export function checkModelCount(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new PrecopyOptionError(`model input ${name} ${value} is not a whole number >= ${min}`);
  }
  return value;
}
