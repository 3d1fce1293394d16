import { describe, expect, it } from "vitest";
import { ChildNames } from "./child-names.js";
import { OverlayNodeMap } from "./node-map.js";
import { ownedBy } from "./perms.js";
import type { StoredNode } from "./tree.js";

const node = (value: string): StoredNode => ({ value, perms: ownedBy(0), childNames: new ChildNames() });

describe("OverlayNodeMap", () => {
  it("reads through to its base until it changes a path, and counts its own size", () => {
    const base = new Map([
      ["/", node("")],
      ["/a", node("1")],
    ]);
    const overlay = new OverlayNodeMap(base);
    overlay.set("/a", node("2"));
    overlay.set("/b", node("3"));
    overlay.delete("/a");
    overlay.delete("/missing");
    expect(overlay.get("/")?.value).toBe("");
    expect(overlay.has("/a")).toBe(false);
    expect(overlay.get("/b")?.value).toBe("3");
    expect(overlay.size).toBe(2);
    expect(base.get("/a")?.value).toBe("1");
    expect(base.size).toBe(2);
  });

  it("applies its changes to its own base only", () => {
    const base = new Map([["/", node("")]]);
    const overlay = new OverlayNodeMap(base);
    overlay.set("/x", node("x"));
    expect(() => overlay.applyTo(new Map(base), (n) => n)).toThrow(/not made on/);
    overlay.applyTo(base, (n) => n);
    expect([...base.keys()]).toEqual(["/", "/x"]);
  });
});
