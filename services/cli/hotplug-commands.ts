import type { Command } from "commander";
import type { HostClient } from "../gen/xensim/v1/host.js";
import type { DeviceChangeReply } from "../gen/xensim/v1/devices.js";
import { unaryCall } from "../transport/grpc/host-client.js";
import type { CliIo } from "./domain-commands.js";
import { hostClientFor } from "./host-routing.js";

type Call = (client: HostClient) => Promise<DeviceChangeReply>;

/**
 * xl's device hot-plug verbs (tools/xl/xl_nic.c, xl_block.c, xl_cdrom.c), each sent to the host
 * running the domain. Silent on success, as xl is; a detach the guest did not answer says so.
 */
export function addHotplugCommands(program: Command, io: CliIo): void {
  const run = async (domain: string, call: Call, detach = false) => {
    const client = await hostClientFor(program, domain);
    try {
      const reply = await call(client);
      if (detach && !reply.released) {
        io.err(
          `xsim: ${reply.kind} ${reply.devid} of ${reply.name}: no frontend closed it (the guest has not booted or has no PV drivers); removed anyway, as libxl does when its wait times out`,
        );
      }
    } finally {
      client.close();
    }
  };

  program
    .command("network-attach")
    .description("Create a new virtual network device")
    .argument("<domain>")
    .argument(
      "[vifspec...]",
      "vif= fields: mac=, bridge=, mtu=, vifname=, script=, ip=, rate=, model=, type=, devid=",
    )
    .action((domain: string, spec: string[]) =>
      run(domain, (c) => unaryCall(c.networkAttach.bind(c), { domain, spec })),
    );
  program
    .command("network-detach")
    .description("Destroy a domain's virtual network device")
    .argument("<domain>")
    .argument("<devid|mac>")
    .action((domain: string, device: string) =>
      run(domain, (c) => unaryCall(c.networkDetach.bind(c), { domain, device }), true),
    );
  program
    .command("block-attach")
    .description("Create a new virtual block device")
    .argument("<domain>")
    .argument("<diskspec...>", "xl-disk-configuration(5): target,format,vdev,access or key=value fields")
    .action((domain: string, spec: string[]) =>
      run(domain, (c) => unaryCall(c.blockAttach.bind(c), { domain, spec })),
    );
  program
    .command("block-detach")
    .description("Destroy a domain's virtual block device")
    .argument("<domain>")
    .argument("<devid>", "the vdev (xvdb) or its device number (51728)")
    .action((domain: string, device: string) =>
      run(domain, (c) => unaryCall(c.blockDetach.bind(c), { domain, device }), true),
    );
  program
    .command("cd-insert")
    .description("Insert a cdrom into a guest's cd drive (HVM only)")
    .argument("<domain>")
    .argument("<virtdev>")
    .argument("<target>")
    .action((domain: string, virtdev: string, target: string) =>
      run(domain, (c) => unaryCall(c.cdInsert.bind(c), { domain, virtdev, target })),
    );
  program
    .command("cd-eject")
    .description("Eject a cdrom from a guest's cd drive (HVM only)")
    .argument("<domain>")
    .argument("<virtdev>")
    .action((domain: string, virtdev: string) =>
      run(domain, (c) => unaryCall(c.cdEject.bind(c), { domain, virtdev, target: "" })),
    );
}
