#!/usr/bin/env bash
# The main job: bring a local cluster up, create domains from real xl.cfg files, drive them with
# xl verbs, and print what happened. Uses only the `xsim` CLI, as a user would.
set -euo pipefail
cd "$(dirname "$0")/.."
export XSIM_HOME="${XSIM_HOME:-$PWD/.xsim}"
xsim() { echo "\$ xsim $*" >&2; node bin/xsim.js "$@"; }
ex=deploy/examples

node bin/xsim.js down >/dev/null 2>&1 || true
trap 'node bin/xsim.js down >/dev/null 2>&1 || true' EXIT

xsim up --hosts 3 --without-hvm host3
xsim -H host1 info | head -20
xsim create -n "$ex/web.pv.cfg" | head -12
xsim -H host1 create "$ex/web.pv.cfg" vcpus=3
xsim -H host1 create "$ex/win.hvm.cfg"
xsim -H host1 create -p "$ex/db.pvh.cfg"
xsim -H host3 create "$ex/win.hvm.cfg" || echo "(refused, as it must be: host3 has no HVM support)" >&2
sleep 1
xsim -H host1 list
xsim -H host1 mem-set web 96m
xsim -H host1 vcpu-set db 2
xsim -H host1 unpause db
xsim -H host1 rename win win10
xsim -H host1 checksum web
xsim -H host1 shutdown -w win10
xsim -H host1 list
