import { parseBandwidth } from "../dom0/precopy/parse-bandwidth.js";

/** The largest value a uint32 field of a request can carry. */
export const UINT32_MAX = 0xffff_ffff;

/**
 * A whole number from the command line within [min, max], or an Error naming the flag: checked
 * before anything is sent, so a bad value never reaches the wire as a serialization failure.
 */
export function wholeNumberArg(text: string, flag: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text.trim())) throw new Error(`${flag}: "${text}" is not a whole number`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new Error(`${flag}: ${text} is out of range (${min}..${max})`);
  return value;
}

/**
 * A `--bandwidth` value checked before anything is sent (as the host would parse it), or an Error
 * naming the flag; an empty value means the default and passes.
 */
export function bandwidthArg(text: string, flag = "--bandwidth"): string {
  if (text === "") return text;
  try {
    parseBandwidth(text);
  } catch (error) {
    throw new Error(`${flag}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return text;
}
