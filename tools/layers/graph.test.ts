import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkImports, LAYER_IMPORTS, layerOf } from "./graph.js";
import { scanImports } from "./scan.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A throwaway tree of .ts files, `path -> text`. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "xsim-layers-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function check(files: Record<string, string>): string[] {
  const root = tree(files);
  try {
    return checkImports(scanImports(root));
  } finally {
    rmSync(root, { recursive: true });
  }
}

describe("the layer checker", () => {
  it("passes this repository", () => {
    expect(checkImports(scanImports(repoRoot))).toEqual([]);
  });

  it("rejects an upward import: the core importing the Dom0 layer", () => {
    const problems = check({
      "services/core/frames.ts": 'import { Toolstack } from "../dom0/toolstack.js";\n',
      "services/dom0/toolstack.ts": "export class Toolstack {}\n",
    });
    expect(problems).toEqual([
      "services/core/frames.ts imports services/dom0/toolstack.ts: core may import only nothing (tools/layers/graph.js)",
    ]);
  });

  it("rejects type-only and re-exported upward imports too", () => {
    const problems = check({
      "services/scheduler/view.ts": 'import type { Host } from "../host/host.js";\n',
      "services/dom0/index.ts": 'export { x } from "../transport/grpc/x.js";\n',
      "services/host/host.ts": "export class Host {}\n",
      "services/transport/grpc/x.ts": "export const x = 1;\n",
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("services/dom0/index.ts imports services/transport/grpc/x.ts");
    expect(problems[1]).toContain("services/scheduler/view.ts imports services/host/host.ts");
  });

  it("rejects a cycle between subfolders of one layer", () => {
    const problems = check({
      "services/dom0/a/one.ts": 'import { two } from "../b/two.js";\nexport const one = two;\n',
      "services/dom0/b/two.ts": 'import type { one } from "../a/one.js";\nexport const two = 2;\n',
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^import cycle between folders: services\/dom0\/a <-> services\/dom0\/b/);
  });

  it("lets wiring and tests import any layer, and no layer import them", () => {
    expect(
      check({
        "services/host/main.ts": 'import "../transport/grpc/server.js";\n',
        "services/transport/grpc/server.ts": 'import "../../host/host.js";\n',
        "services/host/host.ts": "export {};\n",
        "services/host/host.test.ts": 'import "../transport/grpc/server.js";\n',
      }),
    ).toEqual([]);
    const problems = check({
      "services/dom0/uses-main.ts": 'import "../host/main.js";\n',
      "services/host/main.ts": "export {};\n",
    });
    expect(problems[0]).toContain("imports wiring services/host/main.ts");
  });

  it("names a folder that is not in the graph", () => {
    const problems = check({
      "services/newthing/a.ts": 'import "../core/b.js";\n',
      "services/core/b.ts": "export {};\n",
    });
    expect(problems).toEqual(["services/newthing/a.ts: folder services/newthing is not in the layer graph"]);
  });

  it("keeps the graph itself acyclic and downward", () => {
    expect(layerOf("services/host/main.ts")).toBe("wiring");
    expect(layerOf("services/host/fence.ts")).toBe("host");
    const order = [
      "gen",
      "core",
      "contracts",
      "identity",
      "xenstore",
      "dom0",
      "host",
      "scheduler",
      "transport",
      "sim",
      "cli",
    ];
    expect(Object.keys(LAYER_IMPORTS).sort()).toEqual([...order].sort());
    for (const [layer, allowed] of Object.entries(LAYER_IMPORTS))
      for (const below of allowed) expect(order.indexOf(below)).toBeLessThan(order.indexOf(layer));
  });
});
