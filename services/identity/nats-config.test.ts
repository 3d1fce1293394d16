import { describe, expect, it } from "vitest";
import { natsServerConfig } from "./nats-config.js";
import { natsPermissionsOf, inboxPrefixOf, SCHEDULER_KV_BUCKET } from "./nats-permissions.js";

describe("nats-server's configuration for a secured cluster", () => {
  const config = natsServerConfig({
    pkiDir: "/p",
    listen: "127.0.0.1:4222",
    storeDir: "/s",
    hostIds: ["h1", "h2"],
  });

  it("requires TLS with a client certificate mapped to a user, and lists one user per member", () => {
    expect(config).toContain("verify_and_map: true");
    expect(config).toContain('ca_file: "/p/ca.pem"');
    expect(config).toContain('cert_file: "/p/nats/cert.pem"');
    expect(config).toContain('jetstream { store_dir: "/s" }');
    for (const user of ["CN=h1,OU=host,O=xsim", "CN=h2,OU=host,O=xsim", "CN=scheduler,OU=scheduler,O=xsim"])
      expect(config).toContain(`user: "${user}"`);
    expect(config).not.toContain("no_auth_user");
  });

  it("lets a host publish only under its own subjects and read only its inbox and heartbeats", () => {
    const host = natsPermissionsOf("host", "h1");
    expect(host.publish.allow).toContain("xsim.host.h1.>");
    expect(host.publish.allow.filter((s) => s.startsWith("xsim.host."))).toEqual(["xsim.host.h1.>"]);
    // The state store: name reservations, the HA records' migration trace and its own HA lease, no
    // other key (docs/specs/state-store.md).
    const kvWrites = host.publish.allow.filter((s) => s.startsWith("$KV."));
    expect(kvWrites).toEqual([
      `$KV.${SCHEDULER_KV_BUCKET}.name.>`,
      `$KV.${SCHEDULER_KV_BUCKET}.ha.>`,
      `$KV.${SCHEDULER_KV_BUCKET}.lease.h1`,
    ]);
    expect(host.publish.deny).toContain("$JS.API.STREAM.DELETE.>");
    expect(host.publish.allow).not.toContain("$JS.API.>");
    expect(host.subscribe.allow).toEqual([
      `${inboxPrefixOf("host", "h1")}.>`,
      "xsim.host.h1.>",
      "xsim.host.*.heartbeat",
    ]);
  });

  it("lets the scheduler read the cluster and use JetStream but publish no host's subjects", () => {
    const scheduler = natsPermissionsOf("scheduler", "scheduler");
    expect(scheduler.publish.allow.filter((s) => s.startsWith("xsim.host") || s === ">")).toEqual([
      "xsim.host.*.shutdown.progress",
    ]);
    expect(scheduler.subscribe.allow).toContain("xsim.>");
  });

  it("lets the operator read events but publish nothing", () => {
    expect(natsPermissionsOf("operator", "operator").publish).toEqual({ allow: [], deny: [">"] });
  });
});
