import type { HostServer } from "../../gen/xensim/v1/host.js";
import type { DeviceChangeReply } from "../../gen/xensim/v1/devices.js";
import type { Toolstack } from "../../dom0/toolstack.js";
import {
  type DeviceChange,
  blockAttach,
  blockDetach,
  cdromChange,
  networkAttach,
  networkDetach,
} from "../../dom0/hotplug.js";
import { ToolstackError } from "../../dom0/errors.js";
import { unary } from "./status.js";

type HotplugHandlers = Pick<
  HostServer,
  "networkAttach" | "networkDetach" | "blockAttach" | "blockDetach" | "cdInsert" | "cdEject"
>;

/** xl's device hot-plug verbs (dom0/hotplug.ts). */
export function hotplugServer(toolstack: Toolstack): HotplugHandlers {
  return {
    networkAttach: unary((request) => reply(networkAttach(toolstack, request.domain, request.spec))),
    networkDetach: unary((request) => reply(networkDetach(toolstack, request.domain, request.device))),
    blockAttach: unary((request) => reply(blockAttach(toolstack, request.domain, request.spec))),
    blockDetach: unary((request) => reply(blockDetach(toolstack, request.domain, request.device))),
    cdInsert: unary((request) => {
      if (!request.target) throw new ToolstackError("INVALID_ARGUMENT", "cd-insert needs a target path");
      return reply(cdromChange(toolstack, request.domain, request.virtdev, request.target));
    }),
    cdEject: unary((request) => reply(cdromChange(toolstack, request.domain, request.virtdev, ""))),
  };
}

function reply(change: DeviceChange): DeviceChangeReply {
  return {
    domid: change.record.domid,
    name: change.record.name,
    kind: change.device.kind,
    devid: change.device.devid,
    label: change.label,
    backendState: change.backendState,
    frontendState: change.frontendState,
    released: change.released,
  };
}
