import { channelCredentials, clusterChannelOptions } from "../transport/tls/cluster-credentials.js";
import { SchedulerClient } from "../gen/xensim/v1/scheduler.js";
import { readClusterState } from "./cluster-state.js";
import { cliClientOptions } from "./query-deadline.js";

/** The scheduler `xsim up` started, if any (XSIM_SCHEDULER overrides: host:port). */
export function schedulerAddress(): string | undefined {
  return process.env.XSIM_SCHEDULER ?? readClusterState()?.schedulerAddress;
}

export function connectScheduler(address: string): SchedulerClient {
  return new SchedulerClient(address, channelCredentials(["scheduler"]), {
    ...clusterChannelOptions(),
    ...cliClientOptions(address),
  });
}
