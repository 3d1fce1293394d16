#!/usr/bin/env bash
# The main job: bring a local cluster up (nats-server, three hosts, the scheduler), create domains
# from xl.cfg files, drive them with xl verbs, live-migrate one and print what happened, evacuate
# a host. Uses only the `xsim` CLI, as a user would.
set -euo pipefail
cd "$(dirname "$0")/.."
export XSIM_HOME="${XSIM_HOME:-$PWD/.xsim}"
xsim() { printf '\n\033[1m$ xsim %s\033[0m\n' "$*" >&2; node bin/xsim.js "$@"; }
ex=deploy/examples

node bin/xsim.js down >/dev/null 2>&1 || true
# `xsim down` saves the guests a host cannot migrate away (as xendomains does) and `xsim up` restores
# them; the demo starts from an empty cluster, so it drops what an earlier run saved.
rm -rf "$XSIM_HOME/state"
trap 'node bin/xsim.js down >/dev/null 2>&1 || true' EXIT

xsim up --hosts 3 --without-hvm host3 --heartbeat-ms 500
sleep 1.5
xsim host-list
xsim -H host1 info | head -16
xsim create -n "$ex/web.pv.cfg" | head -12
# Placed by the scheduler (spread); trailing key=value overrides as in xl.
xsim create "$ex/web.pv.cfg" 'xsim_workload="fill"'
xsim create "$ex/db.pvh.cfg" 'xsim_ha="restart"'
xsim create "$ex/win.hvm.cfg"
xsim -H host3 create "$ex/win.hvm.cfg" 'name="win2"' || echo "(refused, as it must be: host3 has no HVM support)" >&2
sleep 1
xsim list
xsim mem-set db 384m
xsim vcpu-set web 1
xsim rename win win10
xsim workload web "wws:hot=32M,rate=8000"
xsim checksum db
# Live migration of a guest that keeps writing its working set while it moves.
xsim migrate web --policy qemu
xsim migrate db host3 --policy xen
xsim checksum db
# A migration can be cancelled until the handover (QEMU's migrate_cancel; Ctrl-C at xsim migrate
# does the same): the guest runs on where it was (the list below shows db still on host3).
node bin/xsim.js migrate db host1 --bandwidth 40Mbit/s >/dev/null 2>&1 &
moving=$!
for _ in $(seq 100); do
  node bin/xsim.js migrations 2>/dev/null | grep -q '  db  .* active ' && break
  sleep 0.1
done
xsim migrate-cancel db
wait "$moving" || true
xsim list
# Maintenance: empty the host that runs the Windows guest (it can only go to the other HVM host).
busiest=$(node bin/xsim.js list | awk '$1 == "win10" { print $NF }')
xsim host-evacuate "$busiest"
xsim host-list
xsim list
xsim shutdown -w win10
xsim list
