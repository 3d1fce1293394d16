import { ToolstackError } from "../errors.js";

/**
 * Expected refusals of user input to the pre-copy layer (a policy name, an option, a bandwidth
 * string). They travel as INVALID_ARGUMENT and are thrown before anything is built.
 */
export class UnknownPrecopyPolicyError extends ToolstackError {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
    this.name = "UnknownPrecopyPolicyError";
  }
}

export class PrecopyOptionError extends ToolstackError {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
    this.name = "PrecopyOptionError";
  }
}

export class BandwidthParseError extends ToolstackError {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
    this.name = "BandwidthParseError";
  }
}
