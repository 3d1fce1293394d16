import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterSecurity } from "../../services/transport/tls/cluster-credentials.js";
import { unaryCall } from "../../services/transport/grpc/host-client.js";
import { startComposeCluster, type ComposeCluster } from "./support/compose-cluster.js";
import { buildImages, dockerEngineReady } from "./support/docker-engine.js";

/** Image build (cached), compose up with health checks, the probe container. */
const TEST_TIMEOUT_MS = 600_000;
const PROBE_TIMEOUT_MS = 120_000;

const withDocker = dockerEngineReady();

/**
 * What a stranger inside the compose network tries (issue 11), as a container of the xsim image on
 * the project network with no credentials at all (the cluster CA, which is public, is given so the
 * TLS attempts get as far as the server's check of the client). Prints one JSON object: for each
 * attempt, "connected"/"answered" or the error it met.
 */
const PROBE = String.raw`
import { connect as natsConnect } from "nats";
import { connect as tcpConnect } from "node:net";
import { credentials, Metadata } from "@grpc/grpc-js";
import { HostClient } from "/app/dist/services/gen/xensim/v1/host.js";
import { SchedulerClient } from "/app/dist/services/gen/xensim/v1/scheduler.js";
const ca = process.env.CLUSTER_CA;
const results = {};
results.natsInfo = await new Promise((resolve) => {
  const socket = tcpConnect(4222, "nats");
  socket.once("data", (data) => { resolve(data.toString().split("\r\n")[0]); socket.destroy(); });
  socket.once("error", (error) => resolve("error " + error.message));
});
async function natsTry(options) {
  try {
    const nc = await natsConnect({ servers: "nats://nats:4222", reconnect: false, timeout: 20000, ...options });
    await nc.close();
    return "connected";
  } catch (error) {
    return "refused " + (error.code ?? "") + " " + error.message;
  }
}
results.natsAnonymous = await natsTry({});
results.natsTlsWithoutCertificate = await natsTry({ tls: { ca } });
function call(Client, method, request, address, channelCredentials) {
  const client = new Client(address, channelCredentials, { "grpc.ssl_target_name_override": "xsim-cluster" });
  return new Promise((resolve) =>
    client[method](request, new Metadata(), { deadline: Date.now() + 20000 }, (error) => {
      client.close();
      resolve(error ? { code: error.code, details: error.details } : "answered");
    }),
  );
}
const noCertificate = () => credentials.createSsl(Buffer.from(ca), null, null, { checkServerIdentity: () => undefined });
results.grpcPlaintext = await call(HostClient, "list", { domains: [] }, "host1:50051", credentials.createInsecure());
results.grpcTlsWithoutCertificate = await call(HostClient, "list", { domains: [] }, "host1:50051", noCertificate());
results.schedulerTlsWithoutCertificate = await call(SchedulerClient, "hostList", {}, "scheduler:50051", noCertificate());
console.log(JSON.stringify(results));
`;

interface ProbeResults {
  natsInfo: string;
  natsAnonymous: string;
  natsTlsWithoutCertificate: string;
  grpcPlaintext: { code: number; details: string } | string;
  grpcTlsWithoutCertificate: { code: number; details: string } | string;
  schedulerTlsWithoutCertificate: { code: number; details: string } | string;
}

/** gRPC status codes the probe reports (grpc-js `status`). */
const UNAVAILABLE = 14;
const UNAUTHENTICATED = 16;

function runProbe(cluster: ComposeCluster, caPem: string): ProbeResults {
  const image = process.env.XSIM_IMAGE ?? "xsim:local";
  const args = ["run", "--rm", "--network", cluster.network, "-e", `CLUSTER_CA=${caPem}`, image];
  const result = spawnSync("docker", [...args, "node", "--input-type=module", "-e", PROBE], {
    encoding: "utf8",
    timeout: PROBE_TIMEOUT_MS,
  });
  if (result.status !== 0) throw new Error(`the probe failed (${result.status}): ${result.stderr}`);
  const last = result.stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last) as ProbeResults;
}

describe.skipIf(!withDocker)("the compose cluster refuses clients without its credentials (issue 11)", () => {
  let cluster: ComposeCluster;
  let probe: ProbeResults;

  beforeAll(async () => {
    buildImages();
    cluster = await startComposeCluster("xsimunauth", { scheduler: true });
    const security = clusterSecurity();
    if (security.kind !== "tls")
      throw new Error("the compose cluster's operator credentials were not loaded");
    probe = runProbe(cluster, security.identity.caPem);
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.down();
  }, TEST_TIMEOUT_MS);

  it("serves its operator: the test, holding the operator's credentials from the PKI volume, lists host1", async () => {
    const host1 = cluster.host("host1");
    const listed = await unaryCall(host1.client.list.bind(host1.client), { domains: [] });
    expect(listed.domains.map((d) => d.name)).toContain("Domain-0");
  });

  it("nats-server is reachable from the probe, demands TLS and a client certificate", () => {
    expect(probe.natsInfo).toMatch(/^INFO /);
    expect(probe.natsInfo).toContain('"tls_required":true');
    expect(probe.natsInfo).toContain('"tls_verify":true');
  });

  it("refuses a NATS client without credentials, and one with TLS but no certificate", () => {
    expect(probe.natsAnonymous).toMatch(/^refused/);
    expect(probe.natsTlsWithoutCertificate).toMatch(/^refused/);
  });

  it("refuses gRPC without a certificate: plaintext UNAVAILABLE, TLS without one UNAUTHENTICATED", () => {
    // The TLS port reads an HTTP/2 preface as a broken TLS record and drops the connection.
    expect(probe.grpcPlaintext, JSON.stringify(probe)).toMatchObject({ code: UNAVAILABLE });
    expect(probe.grpcTlsWithoutCertificate, JSON.stringify(probe)).toMatchObject({ code: UNAUTHENTICATED });
    expect(probe.schedulerTlsWithoutCertificate, JSON.stringify(probe)).toMatchObject({
      code: UNAUTHENTICATED,
    });
  });

  it("starts no service insecure: no container printed the --insecure warning", () => {
    for (const service of ["host1", "host2", "host3", "scheduler"])
      expect(cluster.logs(service), service).not.toContain("WARNING: --insecure");
  });
});
