import { describe, expect, it } from "vitest";
import { parseVifSpec } from "./vif-spec.js";

describe("parseVifSpec", () => {
  it("gives a PV guest an all-default NIC for ''", () => {
    expect(parseVifSpec("", 0, "pv")).toEqual({
      devid: 0,
      bridge: "xenbr0",
      script: "vif-bridge",
      backend: "Domain-0",
      mtu: 1500,
    });
  });

  it("gives an HVM guest an emulated rtl8139 by default", () => {
    expect(parseVifSpec("", 1, "hvm")).toMatchObject({ devid: 1, type: "ioemu", model: "rtl8139" });
  });

  it("reads every modelled key", () => {
    const vif = parseVifSpec(
      "mac=00:16:3E:0a:b:c, bridge=br1,model=e1000,type=vif,vifname=web0,script=vif-route,ip=10.0.0.2," +
        "backend=netdom,rate=10Mb/s@20ms,mtu=9000,devid=7",
      0,
      "hvm",
    );
    expect(vif).toEqual({
      devid: 7,
      mac: "00:16:3e:0a:0b:0c",
      bridge: "br1",
      model: "e1000",
      type: "vif",
      vifname: "web0",
      script: "vif-route",
      ip: "10.0.0.2",
      backend: "netdom",
      rate: "10Mb/s@20ms",
      mtu: 9000,
    });
  });

  it("skips empty fields and accepts keys xl knows but we do not model", () => {
    expect(parseVifSpec(",,bridge=br2,,gatewaydev=eth0,trusted", 0, "pv")).toMatchObject({ bridge: "br2" });
  });

  it("rejects what xl would reject or ignore", () => {
    expect(() => parseVifSpec("mac=00:16:3e:zz:00:00", 0, "pv")).toThrow("invalid mac '00:16:3e:zz:00:00'");
    expect(() => parseVifSpec("type=tap", 0, "pv")).toThrow("invalid vif type 'tap'");
    expect(() => parseVifSpec("rate=fast", 0, "pv")).toThrow("invalid rate 'fast'");
    expect(() => parseVifSpec("rate=1MB/s@soon", 0, "pv")).toThrow("invalid replenishment interval");
    expect(() => parseVifSpec("mtu=0", 0, "pv")).toThrow("vif mtu must be a whole number from 1 to 65535");
    expect(() => parseVifSpec("colour=red", 0, "pv")).toThrow("unrecognized vif argument 'colour=red'");
    expect(() => parseVifSpec("bridged", 0, "pv")).toThrow("unrecognized vif argument 'bridged'");
  });
});
