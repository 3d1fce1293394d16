#!/bin/sh
# The image's entrypoint: the first word picks the service, the rest are its flags.
#   host [flags]       a host service; --host-id defaults to $XSIM_HOST_ID or the container's hostname,
#                      it listens on 0.0.0.0:$XSIM_PORT and advertises <hostname>:$XSIM_PORT, so a
#                      scaled service (one hostname per container) needs no per-container flags
#                      XSIM_ALLOW_FAULT_INJECTION=1 adds --allow-fault-injection (`xsim fault`; off by default)
#   scheduler [flags]  the scheduler service (dist/services/scheduler/main.js), NATS at $XSIM_NATS
#   xsim [args]        the CLI, e.g. `xsim -H host1:50051 list`
#   demo               deploy/docker/demo.sh, the one-shot compose demo
#   anything else      run as given (sh, node, ...)
# Flags given after the service name come last and override these defaults (parseArgs: last wins).
set -eu
cd /app
port="${XSIM_PORT:-50051}"
nats="${XSIM_NATS:-nats://nats:4222}"
name="$(hostname)"
case "${1:-host}" in
  host)
    [ "$#" -gt 0 ] && shift
    if [ "${XSIM_ALLOW_FAULT_INJECTION:-0}" = 1 ]; then set -- --allow-fault-injection "$@"; fi
    exec node dist/services/host/main.js --host-id "${XSIM_HOST_ID:-$name}" --listen "0.0.0.0:$port" \
      --advertise "${XSIM_ADVERTISE:-$name:$port}" --nats "$nats" "$@"
    ;;
  scheduler)
    shift
    exec node dist/services/scheduler/main.js --nats "$nats" --listen "0.0.0.0:$port" "$@"
    ;;
  xsim)
    shift
    exec node bin/xsim.js "$@"
    ;;
  demo)
    shift
    exec sh deploy/docker/demo.sh "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
