#!/usr/bin/env bash
# Builds local stand-ins for the official base images on a machine without an image registry
# (see README "docker-compose"):
#   xsim-local/node:20  FROM scratch: this machine's node + the libraries ldd lists + npm
#                       + busybox-static (sh, env) + the CA bundle + root and node (uid 1000)
#   xsim-local/nats:2.9 FROM scratch: Debian's /usr/sbin/nats-server as /nats-server, the layout
#                       of the official nats image
# and tags them as node:20-bookworm-slim and nats:2.10 when those names are missing (or are our own
# earlier stand-ins), so the Dockerfile and docker-compose.yml keep the official names as defaults.
# An official image already present is never replaced. Idempotent; takes seconds.
# Needs: docker, /usr/bin/node (or node on PATH), /bin/busybox (busybox-static), /usr/sbin/nats-server.
set -euo pipefail

NODE_LOCAL=xsim-local/node:20
NATS_LOCAL=xsim-local/nats:2.9
NODE_OFFICIAL=node:20-bookworm-slim
NATS_OFFICIAL=nats:2.10
LABEL_KEY=org.xensim.local-base

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "build-base-images: node and npm must be on PATH (Node 20)" >&2
  exit 1
fi
node_bin="$(readlink -f "$(command -v node)")"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
busybox_bin=/bin/busybox
nats_bin=/usr/sbin/nats-server
ca_bundle=/etc/ssl/certs/ca-certificates.crt

for need in "$node_bin" "$npm_dir/bin/npm-cli.js" "$busybox_bin" "$nats_bin" "$ca_bundle"; do
  [ -e "$need" ] || {
    echo "build-base-images: missing $need (apt-get install busybox-static nats-server ca-certificates)" >&2
    exit 1
  }
done
if ldd "$busybox_bin" >/dev/null 2>&1; then
  echo "build-base-images: $busybox_bin is dynamically linked; install busybox-static" >&2
  exit 1
fi

work="$(mktemp -d /tmp/xsim-base-images.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# Copies a binary and every shared library ldd lists for it, at the same paths, into a rootfs.
copy_with_libs() {
  local binary="$1" rootfs="$2" target="$3"
  install -D -m 0755 "$binary" "$rootfs$target"
  ldd "$binary" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
    install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
  done
}

# The C runtime of Debian's libc6, libgcc-s1 and libstdc++6 (as the official slim image has it), for
# native addons that need more than node itself does (one needs librt.so.1).
copy_c_runtime() {
  local rootfs="$1"
  command -v dpkg >/dev/null 2>&1 || return 0
  dpkg -L libc6 libgcc-s1 libstdc++6 2>/dev/null | grep -E '\.so(\.[0-9]+)*$' | grep -v gconv |
    while read -r lib; do
      [ -e "$lib" ] && install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
    done
  return 0
}

build_node() {
  local ctx="$work/node" rootfs="$work/node/rootfs"
  mkdir -p "$rootfs"/{bin,usr/bin,usr/local/bin,usr/local/lib/node_modules,etc/ssl/certs,home/node,root,tmp}
  copy_with_libs "$node_bin" "$rootfs" /usr/local/bin/node
  copy_c_runtime "$rootfs"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  install -m 0755 "$busybox_bin" "$rootfs/bin/busybox"
  ln -s busybox "$rootfs/bin/sh"
  ln -s /bin/busybox "$rootfs/usr/bin/env"
  cp "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  chmod 1777 "$rootfs/tmp"
  chmod 0700 "$rootfs/root"
  chown 1000:1000 "$rootfs/home/node"
  cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
LABEL $LABEL_KEY="node $("$node_bin" --version) from $node_bin"
CMD ["node"]
EOF
  quiet_build "$NODE_LOCAL" "$ctx"
}

build_nats() {
  local ctx="$work/nats" rootfs="$work/nats/rootfs"
  mkdir -p "$rootfs/tmp"
  copy_with_libs "$nats_bin" "$rootfs" /nats-server
  chmod 1777 "$rootfs/tmp"
  printf 'port: 4222\nhttp_port: 8222\n' >"$rootfs/nats-server.conf"
  cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
EXPOSE 4222 8222
LABEL $LABEL_KEY="$("$nats_bin" --version) from $nats_bin"
ENTRYPOINT ["/nats-server"]
CMD ["--config", "nats-server.conf"]
EOF
  quiet_build "$NATS_LOCAL" "$ctx"
}

# docker build, quiet unless it fails (the legacy builder warns on every run that it is deprecated).
quiet_build() {
  local tag="$1" ctx="$2"
  if ! docker build -q --force-rm -t "$tag" "$ctx" >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    return 1
  fi
}

# Tags a local stand-in with the official name, unless a real (unlabelled) image holds that name.
tag_official() {
  local local_tag="$1" official="$2" label
  if label="$(docker image inspect -f "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$official" 2>/dev/null)"; then
    if [ -z "$label" ] || [ "$label" = "<no value>" ]; then
      echo "kept $official (an image that is not ours already has that name)"
      return
    fi
  fi
  docker tag "$local_tag" "$official"
  echo "tagged $local_tag as $official"
}

build_node
echo "built $NODE_LOCAL ($(docker image inspect -f '{{.Size}}' "$NODE_LOCAL" | awk '{printf "%d MB", $1/1e6}'))"
build_nats
echo "built $NATS_LOCAL ($(docker image inspect -f '{{.Size}}' "$NATS_LOCAL" | awk '{printf "%d MB", $1/1e6}'))"
tag_official "$NODE_LOCAL" "$NODE_OFFICIAL"
tag_official "$NATS_LOCAL" "$NATS_OFFICIAL"
