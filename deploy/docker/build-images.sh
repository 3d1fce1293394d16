#!/usr/bin/env bash
# Builds the xensim image (deploy/docker/Dockerfile) as $XSIM_IMAGE (default xsim:local), after the
# local stand-in base images when the official ones cannot be pulled (no registry on this machine).
# Docker's layer cache makes a second run take seconds. The build's output goes to $XSIM_BUILD_LOG.
set -euo pipefail
cd "$(dirname "$0")/../.."
image="${XSIM_IMAGE:-xsim:local}"
base="${XSIM_BASE_IMAGE:-node:20-bookworm-slim}"
log="${XSIM_BUILD_LOG:-/tmp/xsim-image-build.log}"

# One build at a time (parallel test files each ask for the image; the second finds it cached).
exec 9>/tmp/xsim-image-build.lock
flock 9

stand_ins=0
for official in "$base" "${NATS_IMAGE:-nats:2.10}"; do
  docker image inspect "$official" >/dev/null 2>&1 || docker pull -q "$official" >/dev/null 2>&1 || stand_ins=1
done
[ "$stand_ins" = 0 ] || ./deploy/docker/build-base-images.sh
if ! docker build --force-rm -f deploy/docker/Dockerfile --build-arg "BASE=$base" -t "$image" . >"$log" 2>&1; then
  tail -40 "$log" >&2
  echo "build-images: docker build failed (whole log: $log)" >&2
  exit 1
fi
echo "built $image from $base"
