type Handler = (...args: never[]) => unknown;

/**
 * Runs `guard` before every handler of a gRPC service implementation: a host that wakes from a
 * stall decides about its protected guests before it answers anything about them.
 */
export function guardServer<S extends object>(server: S, guard: () => void): S {
  const guarded: Record<string, Handler> = {};
  for (const [name, handler] of Object.entries(server as Record<string, Handler>)) {
    guarded[name] = (...args: never[]) => {
      guard();
      return handler(...args);
    };
  }
  return guarded as S;
}
