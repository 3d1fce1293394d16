import { InterceptingCall, status, type ClientOptions, type Interceptor } from "@grpc/grpc-js";

/**
 * How long the CLI waits for the answer to a query (list, info, top, checksum...) before it says
 * the host or scheduler did not answer: a stalled or cut-off host would otherwise hang `xsim list -H`
 * for ever. Far above any answer of a host that runs (the scheduler's own ListAll waits 2 s for a
 * host before it shows its copy).
 */
export const CLI_QUERY_DEADLINE_MS = 20_000;

/**
 * The calls that only read: one that found no answer changed nothing, so a deadline is safe. The
 * verbs that change something (create, destroy, migrate...) wait on, as xl does: a deadline there
 * would leave the user not knowing whether it happened.
 */
export const QUERY_METHOD_PATHS: ReadonlySet<string> = new Set([
  ...[
    "Info",
    "List",
    "VcpuList",
    "Top",
    "Lookup",
    "MemoryChecksum",
    "XenstoreList",
    "NetworkList",
    "BlockList",
    "Uptime",
    "Dmesg",
    "Console",
  ].map((method) => `/xensim.v1.Host/${method}`),
  "/xensim.v1.Migration/ListMigrations",
  "/xensim.v1.FaultInjection/ListFaults",
  "/xensim.v1.Cpupool/List",
  "/xensim.v1.Scheduler/ListAll",
  "/xensim.v1.Scheduler/HostList",
]);

/**
 * Gives each query to `address` that has no deadline of its own CLI_QUERY_DEADLINE_MS (or
 * `deadlineMs`), and words its expiry for the user: who did not answer what, and that nothing changed.
 */
export function queryDeadlineInterceptor(address: string, deadlineMs = CLI_QUERY_DEADLINE_MS): Interceptor {
  return (options, nextCall) => {
    const path = options.method_definition.path;
    if (!QUERY_METHOD_PATHS.has(path) || options.deadline !== undefined)
      return new InterceptingCall(nextCall(options));
    const method = path.slice(path.lastIndexOf("/") + 1);
    return new InterceptingCall(nextCall({ ...options, deadline: Date.now() + deadlineMs }), {
      start(metadata, listener, next) {
        next(metadata, {
          onReceiveStatus(received, nextStatus) {
            if (received.code !== status.DEADLINE_EXCEEDED) return nextStatus(received);
            const details =
              `${address} did not answer ${method} within ${deadlineMs / 1000} s ` +
              `(stalled, overloaded or cut off); a query changes nothing`;
            nextStatus({ ...received, details });
          },
        });
      },
    });
  };
}

/** The CLI's client options for a channel to `address`: its queries' deadline. */
export function cliClientOptions(address: string): ClientOptions {
  return { interceptors: [queryDeadlineInterceptor(address)] };
}
