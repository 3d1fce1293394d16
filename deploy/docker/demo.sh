#!/bin/sh
# The one-shot demo of docker-compose.yml, run in the `demo` container: creates domains from the
# xl.cfg examples, on a named host (-H) or placed by the scheduler (no -H), live-migrates a busy one
# while printing its progress and final statistics, evacuates host1 through the scheduler
# (`xsim host-evacuate`) and checks that memory arrived intact and host1 ended empty. Uses only
# `xsim`, as a user would; XSIM_SCHEDULER (set by the compose file) is where `xsim` without -H goes.
set -eu
H1="${XSIM_DEMO_HOST1:-host1:50051}"
H2="${XSIM_DEMO_HOST2:-host2:50051}"
H3="${XSIM_DEMO_HOST3:-host3:50051}"
EX=/app/deploy/examples
POLL_INTERVAL_S=0.5
POLL_COUNT_MAX=240
HOST_COUNT=3

x() {
  echo "\$ xsim $*"
  xsim "$@"
}

section() {
  printf '\n=== %s\n' "$*"
}

fail() {
  echo "demo: $*" >&2
  exit 1
}

# The host a domain runs on, as the scheduler sees it (last column of the cluster-wide list).
host_of() {
  xsim list 2>/dev/null | awk -v name="$1" '$1 == name { print $NF }'
}

# Polls "$@" (a command) until it holds or POLL_COUNT_MAX polls have passed.
wait_until() {
  polls=0
  until "$@"; do
    polls=$((polls + 1))
    [ "$polls" -lt "$POLL_COUNT_MAX" ] || return 1
    sleep "$POLL_INTERVAL_S"
  done
}

domain_seen() {
  [ -n "$(host_of "$1")" ]
}

moved_off() {
  [ "$(host_of "$1")" != "$2" ]
}

# The scheduler's host list shows a host with only Domain-0 (its Domains column counts it) and no
# guest vCPUs. The list is the hosts' heartbeats, so it catches up within a heartbeat (1 s).
host_drained() {
  xsim host-list 2>/dev/null | awk -v host="$1" '$1 == host && $6 == 1 && $7 == 0 { found = 1 } END { exit !found }'
}

hosts_up() {
  [ "$(xsim host-list 2>/dev/null | grep -cE '^host[0-9]+ +up ')" -ge "$HOST_COUNT" ]
}

section "security on: every member holds a certificate of this cluster's CA (made by pki-init)"
echo "\$ xsim --insecure -H $H1 list     # a client without a certificate"
if xsim --insecure -H "$H1" list >/tmp/no-certificate 2>&1; then
  fail "host1 answered a client without a certificate"
fi
grep -v '^WARNING: --insecure' /tmp/no-certificate | tail -1
echo "(refused, as it must be: only members of the cluster may act)"

section "three hosts, each in its own container"
for h in "$H1" "$H2" "$H3"; do
  xsim -H "$h" info | grep -E '^(host|nr_cpus|total_memory|free_memory|virt_caps) '
done

section "the scheduler sees them (heartbeats on NATS)"
wait_until hosts_up || fail "the scheduler does not see $HOST_COUNT hosts up"
x host-list

section "domains from xl.cfg files: web and db on host1 (-H), win and cache placed by the scheduler"
x -H "$H1" create "$EX/web.pv.cfg" vcpus=3
x -H "$H1" create "$EX/db.pvh.cfg"
x create "$EX/win.hvm.cfg"
x create "$EX/web.pv.cfg" 'name="cache"' memory=128 vcpus=1
if x -H "$H3" create "$EX/win.hvm.cfg" 2>&1; then
  fail "host3 accepted an HVM guest without HVM support"
fi
echo "(refused, as it must be: host3 has no HVM support)"
for d in web db win cache; do
  wait_until domain_seen "$d" || fail "the scheduler does not see $d"
done
x workload cache idle
x list

section "live migration of web (busy writable working set) host1 -> host2 at 400 Mbit/s"
x -H "$H1" workload web "wws:hot=32M,rate=8000"
sleep 1
xsim -H "$H1" migrate web "$H2" --bandwidth 400Mbit/s >/tmp/web.migration 2>&1 &
migrate_pid=$!
polls=0
while kill -0 "$migrate_pid" 2>/dev/null && [ "$polls" -lt "$POLL_COUNT_MAX" ]; do
  xsim -H "$H1" migrations | grep ' web ' | tail -1 | sed 's/^/progress: /' || true
  sleep "$POLL_INTERVAL_S"
  polls=$((polls + 1))
done
wait "$migrate_pid"
cat /tmp/web.migration

x -H "$H1" workload db idle
before="$(xsim -H "$H1" checksum db)"
section "host1 evacuated by the scheduler: disabled, every domain live-migrated off (db, PVH, to host2)"
x host-list
x host-evacuate host1
wait_until host_drained host1 || fail "the scheduler's host list still shows guests on host1"
x host-list
wait_until moved_off db host1 || fail "db still runs on host1 after the evacuation"
db_host="$(host_of db)"
after="$(xsim checksum db)"
echo "memory checksum of db on host1 before: $before"
echo "memory checksum of db on $db_host after:  $after"
[ "$before" = "$after" ] || fail "memory changed in migration"
guests_on_host1="$(xsim -H "$H1" list | awk 'NR > 1 && $1 != "Domain-0"' | wc -l)"
[ "$guests_on_host1" -eq 0 ] || fail "host1 still runs $guests_on_host1 guests after the evacuation"
echo "host1 runs no guest and takes no new ones (host-enable host1 lets it)"

section "save and restore on host2"
# Paths are the host's: a relative one lands in its state directory, the only place (with
# --allow-dir) a host reads or writes guest images.
x -H "$H2" save web web.xsim
x -H "$H2" restore web.xsim

section "where everything runs now"
x list
x -H "$H1" list
x -H "$H1" migrations
printf '\nThe cluster stays up: docker-compose exec host1 xsim list ; docker-compose down\n'
