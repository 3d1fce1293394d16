// @ts-check
/**
 * xensim's layer graph, the one place it is written down (as Xen's tools/libs/uselibs.mk is for
 * Xen's libraries); docs/architecture.md draws it. A folder under services/ may import only the
 * folders listed for it; `npm run lint` runs check.js, which fails on any other import and on any
 * import cycle between folders.
 */

/** @type {Readonly<Record<string, readonly string[]>>} */
export const LAYER_IMPORTS = {
  gen: [],
  core: [],
  contracts: [],
  identity: ["contracts"],
  xenstore: ["core"],
  dom0: ["core", "xenstore", "contracts"],
  host: ["core", "xenstore", "dom0", "contracts"],
  scheduler: ["core", "dom0", "contracts", "gen"],
  transport: ["core", "xenstore", "dom0", "contracts", "identity", "host", "scheduler", "gen"],
  sim: ["core", "xenstore", "dom0", "contracts", "identity", "host", "scheduler", "transport", "gen"],
  cli: ["core", "dom0", "contracts", "identity", "transport", "sim", "gen"],
};

/**
 * Files that assemble layers into a process: they may import every layer, and nothing imports
 * them but tests, benches and other wiring. `services/X/main.ts` is each process's entry point.
 */
export const WIRING_PATTERN = /^services\/(wiring\/.*|[^/]+\/main)\.ts$/;

/** Tests, conformance suites and benches beside the code may use wiring from above (an in-process rig). */
export const TEST_PATTERN = /\.(test|case|bench)\.ts$/;

/**
 * Files known to break the graph, each with the reason it still does. Keep this list short and
 * empty it: an entry here is a debt, not a rule.
 * @type {Readonly<Record<string, string>>}
 */
export const KNOWN_BREAKS = {};

/**
 * Known cycles between subfolders of one layer, each with its reason (the same debt as above).
 * Keyed by the cycle's folders, sorted and joined with " <-> ".
 * @type {Readonly<Record<string, string>>}
 */
export const KNOWN_CYCLES = {
  "services/dom0/devices <-> services/dom0/io <-> services/dom0/xlcfg":
    "the split-driver data path (io/) and the device handshakes (devices/) share DeviceKind, and xl.cfg's xsim_io parses with io/io-spec.ts; both are libxl's backends and should become one folder",
};

/**
 * The layer a repository-relative path belongs to: a folder under services/, "wiring", "test"
 * (also everything under tests/, bench/ and tools/) or undefined for files outside the graph.
 * @param {string} path
 * @returns {string | undefined}
 */
export function layerOf(path) {
  if (/^(tests|bench|tools)\//.test(path) || TEST_PATTERN.test(path)) return "test";
  if (WIRING_PATTERN.test(path)) return "wiring";
  const match = /^services\/([^/]+)\//.exec(path);
  return match ? match[1] : undefined;
}

/**
 * Checks imports against the graph. `imports` maps each file (repository-relative, "/"-separated)
 * to the repository-relative files it imports. Returns one line per break, empty when all is well.
 * @param {ReadonlyMap<string, readonly string[]>} imports
 * @returns {string[]}
 */
export function checkImports(imports) {
  const problems = [];
  for (const [from, targets] of imports) {
    for (const to of targets) {
      const problem = importProblem(from, to);
      if (problem !== undefined && KNOWN_BREAKS[from] === undefined) problems.push(problem);
    }
  }
  for (const cycle of folderCycles(imports)) {
    if (KNOWN_CYCLES[cycle.folders] === undefined)
      problems.push(`import cycle between folders: ${cycle.folders} (${cycle.imports})`);
  }
  return problems;
}

/**
 * @param {string} from
 * @param {string} to
 * @returns {string | undefined}
 */
function importProblem(from, to) {
  const fromLayer = layerOf(from);
  const toLayer = layerOf(to);
  if (fromLayer === undefined || toLayer === undefined || fromLayer === toLayer) return undefined;
  if (fromLayer === "test") return undefined;
  if (toLayer === "test") return `${from} imports test code ${to}`;
  if (fromLayer === "wiring") return undefined;
  if (toLayer === "wiring") return `${from} imports wiring ${to}: only tests and other wiring may`;
  const allowed = LAYER_IMPORTS[fromLayer];
  if (allowed === undefined) return `${from}: folder services/${fromLayer} is not in the layer graph`;
  if (LAYER_IMPORTS[toLayer] === undefined)
    return `${to}: folder services/${toLayer} is not in the layer graph`;
  if (allowed.includes(toLayer)) return undefined;
  return `${from} imports ${to}: ${fromLayer} may import only ${allowed.join(", ") || "nothing"} (tools/layers/graph.js)`;
}

/**
 * Cycles between folders of production code (tests and wiring excluded): two folders, at any depth,
 * whose files import each other directly or through other folders. Each cycle names its folders,
 * sorted, and one import per folder that closes it.
 * @param {ReadonlyMap<string, readonly string[]>} imports
 * @returns {{folders: string, imports: string}[]}
 */
export function folderCycles(imports) {
  /** @type {Map<string, Map<string, string>>} folder -> folder -> an example import */
  const edges = new Map();
  for (const [from, targets] of imports) {
    const fromLayer = layerOf(from);
    if (fromLayer === "test" || fromLayer === "wiring") continue;
    for (const to of targets) {
      const a = folderOf(from);
      const b = folderOf(to);
      if (a === b || isWithin(b, a) || layerOf(to) === "test") continue;
      const out = edges.get(a) ?? new Map();
      if (!out.has(b)) out.set(b, `${from} -> ${to}`);
      edges.set(a, out);
    }
  }
  return stronglyConnected(edges)
    .filter((component) => component.length > 1)
    .map((component) => describeCycle(component, edges));
}

/**
 * A folder may import from its own subfolders (dom0/toolstack.ts uses dom0/migrate/); an import
 * from a subfolder up into its parent is an edge like any other, so parent <-> child is a cycle.
 * @param {string} target
 * @param {string} folder
 */
function isWithin(target, folder) {
  return target.startsWith(`${folder}/`);
}

/** @param {string} path */
function folderOf(path) {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : path.slice(0, slash);
}

/**
 * @param {string[]} component
 * @param {Map<string, Map<string, string>>} edges
 */
function describeCycle(component, edges) {
  const members = new Set(component);
  const examples = [];
  for (const folder of [...component].sort()) {
    for (const [target, example] of edges.get(folder) ?? []) if (members.has(target)) examples.push(example);
  }
  return { folders: [...component].sort().join(" <-> "), imports: examples.join("; ") };
}

/**
 * Tarjan's algorithm, iterative so deep graphs cannot overflow the stack.
 * @param {Map<string, Map<string, string>>} edges
 * @returns {string[][]}
 */
function stronglyConnected(edges) {
  /** @type {Map<string, {index: number, low: number, onStack: boolean}>} */
  const state = new Map();
  /** @type {string[]} */
  const stack = [];
  /** @type {string[][]} */
  const components = [];
  let indexNext = 0;
  const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((out) => [...out.keys()])]);
  for (const root of [...nodes].sort()) {
    if (state.has(root)) continue;
    /** @type {{node: string, targets: string[], next: number}[]} */
    const work = [];
    const enter = (/** @type {string} */ node) => {
      state.set(node, { index: indexNext, low: indexNext, onStack: true });
      indexNext++;
      stack.push(node);
      work.push({ node, targets: [...(edges.get(node)?.keys() ?? [])].sort(), next: 0 });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const info = state.get(frame.node);
      if (info === undefined) throw new Error(`stronglyConnected: ${frame.node} has no state`);
      if (frame.next < frame.targets.length) {
        const target = frame.targets[frame.next++];
        const targetInfo = state.get(target);
        if (targetInfo === undefined) enter(target);
        else if (targetInfo.onStack) info.low = Math.min(info.low, targetInfo.index);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) {
        const parentInfo = state.get(parent.node);
        if (parentInfo) parentInfo.low = Math.min(parentInfo.low, info.low);
      }
      if (info.low !== info.index) continue;
      const component = [];
      for (;;) {
        const member = stack.pop();
        if (member === undefined) break;
        const memberInfo = state.get(member);
        if (memberInfo) memberInfo.onStack = false;
        component.push(member);
        if (member === frame.node) break;
      }
      components.push(component);
    }
  }
  return components;
}
