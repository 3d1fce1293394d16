#!/bin/sh
# The image's entrypoint: the first word picks the service, the rest are its flags.
#   host [flags]       a host service; --host-id defaults to $XSIM_HOST_ID or the container's hostname,
#                      it listens on 0.0.0.0:$XSIM_PORT and advertises <hostname>:$XSIM_PORT, so a
#                      scaled service (one hostname per container) needs no per-container flags.
#                      With $XSIM_PKI (the cluster's PKI volume) it runs with --pki: a host whose id
#                      has no identity there claims one of the pool's (pki-init's `pool` file)
#                      XSIM_ALLOW_FAULT_INJECTION=1 adds --allow-fault-injection (`xsim fault`; off by default)
#   scheduler [flags]  the scheduler service (dist/services/scheduler/main.js), NATS at $XSIM_NATS,
#                      --pki $XSIM_PKI when set
#   pki-init [flags]   makes the cluster's PKI in $XSIM_PKI (services/identity/pki-init-main.ts)
#   xsim [args]        the CLI, e.g. `xsim -H host1:50051 list`
#   demo               deploy/docker/demo.sh, the one-shot compose demo
#   anything else      run as given (sh, node, ...)
# Flags given after the service name come last and override these defaults (parseArgs: last wins).
set -eu
cd /app
port="${XSIM_PORT:-50051}"
nats="${XSIM_NATS:-nats://nats:4222}"
name="$(hostname)"
pki="${XSIM_PKI:-}"

# Prints the pool identity this container holds, claiming a free one if it holds none: `mkdir` is
# atomic on the shared volume, so two hosts starting at once never take the same. A restarted
# container (same hostname) finds its own claim again. Fails when the pool is used up.
claim_pool_host() {
  mkdir -p "$pki/claims"
  for claim in "$pki"/claims/*; do
    if [ "$(cat "$claim/owner" 2>/dev/null)" = "$name" ]; then
      basename "$claim"
      return 0
    fi
  done
  while read -r pool_id; do
    if mkdir "$pki/claims/$pool_id" 2>/dev/null; then
      echo "$name" >"$pki/claims/$pool_id/owner"
      echo "$pool_id"
      return 0
    fi
  done <"$pki/pool"
  return 1
}
case "${1:-host}" in
  host)
    [ "$#" -gt 0 ] && shift
    if [ "${XSIM_ALLOW_FAULT_INJECTION:-0}" = 1 ]; then set -- --allow-fault-injection "$@"; fi
    host_id="${XSIM_HOST_ID:-$name}"
    if [ -n "$pki" ]; then
      if [ ! -d "$pki/hosts/$host_id" ]; then
        host_id="$(claim_pool_host)" || {
          echo "host: no identity for $host_id in $pki and its pool is used up (raise XSIM_HOST_POOL)" >&2
          exit 1
        }
        echo "host: claimed the pool identity $host_id (container $name)" >&2
      fi
      set -- --pki "$pki" "$@"
    fi
    exec node dist/services/host/main.js --host-id "$host_id" --listen "0.0.0.0:$port" \
      --advertise "${XSIM_ADVERTISE:-$name:$port}" --nats "$nats" "$@"
    ;;
  scheduler)
    shift
    if [ -n "$pki" ]; then set -- --pki "$pki" "$@"; fi
    exec node dist/services/scheduler/main.js --nats "$nats" --listen "0.0.0.0:$port" "$@"
    ;;
  pki-init)
    shift
    exec node dist/services/identity/pki-init-main.js --dir "${pki:?pki-init needs XSIM_PKI}" "$@"
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
