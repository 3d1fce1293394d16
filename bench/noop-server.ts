import { Server, ServerCredentials, type handleUnaryCall } from "@grpc/grpc-js";
import { NOOP_REPLY, NOOP_SERVICE } from "./noop-service.js";
import { SERVER_OPTIONS_BASE } from "../services/transport/grpc/server-options.js";

/** `node dist/bench/noop-server.js [host:port]`: a bare grpc-js server (the hosts' server options); prints a ready line. */
const listenAddress = process.argv[2] ?? "127.0.0.1:0";
const ping: handleUnaryCall<Buffer, Buffer> = (_call, callback) => callback(null, NOOP_REPLY);
// The hosts' server options, so the baseline is a host's server without the work.
const server = new Server(SERVER_OPTIONS_BASE);
server.addService(NOOP_SERVICE, { ping });
server.bindAsync(listenAddress, ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    process.stderr.write(`noop-server: ${error.message}\n`);
    process.exit(1);
  }
  const host = listenAddress.replace(/:\d+$/, "");
  process.stdout.write(`${JSON.stringify({ ready: true, address: `${host}:${port}`, pid: process.pid })}\n`);
});
const stop = () => {
  server.forceShutdown();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
