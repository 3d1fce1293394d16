/**
 * node's flags for a host service process; whoever starts `main.js` puts them before it.
 *
 * `--initial-old-space-size=64`: a host's old generation holds about 10 MB, and V8 starts a full
 * mark-compact whenever the old generation's headroom is smaller than the young generation. A
 * migration streams 256 KiB buffers through grpc-js, so with the default limit each host ran about
 * 65 mark-compacts per GiB moved (`--trace-incremental-marking`: "allocation limit"), 2-4 s of CPU
 * on 2 cores; with 64 MB of headroom from the start, a handful (bench:migration, --host-node-args).
 */
export const HOST_NODE_FLAGS: readonly string[] = ["--initial-old-space-size=64"];
