#!/usr/bin/env bash
# Installs what xensim needs on a fresh Debian 12 machine with Node 20: nats-server from Debian,
# the npm dependencies (npm ci, which also generates the gRPC code from proto/), and builds dist/.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null 2>&1 || need_apt+=(nats-server)
if [ "${XSIM_WITH_DOCKER:-0}" = "1" ]; then
  command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
  [ -x /bin/busybox ] || need_apt+=(busybox-static)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "installing from Debian: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
[ -f services/gen/xensim/v1/host.ts ] || npm run gen
npm run build --silent
