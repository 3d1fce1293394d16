import { InvalidPlacementRequestError } from "./errors.js";
import type { PlacementRequest } from "./model.js";

const GUEST_TYPES: ReadonlySet<string> = new Set(["pv", "pvh", "hvm"]);

/** Refuses a request no host could ever take as written; the message says which field and why. */
export function validateRequest(request: PlacementRequest): void {
  const where = `placement request "${request.name}"`;
  if (!Number.isSafeInteger(request.memoryKib) || request.memoryKib <= 0)
    throw new InvalidPlacementRequestError(
      `${where}: memoryKib ${request.memoryKib} is not a positive integer`,
    );
  if (!Number.isSafeInteger(request.vcpus) || request.vcpus <= 0)
    throw new InvalidPlacementRequestError(`${where}: vcpus ${request.vcpus} is not a positive integer`);
  if (!GUEST_TYPES.has(request.type))
    throw new InvalidPlacementRequestError(`${where}: type "${String(request.type)}" is not pv, pvh or hvm`);
}
