#!/bin/sh
# The one-shot demo of docker-compose.yml, run in the `demo` container: creates domains from the
# xl.cfg examples on the host containers, live-migrates a busy one while printing its progress and
# final statistics, then empties host1 (with the scheduler's host-evacuate when one runs, by hand
# otherwise) and checks that memory arrived intact. Uses only `xsim`, as a user would.
set -eu
H1="${XSIM_DEMO_HOST1:-host1:50051}"
H2="${XSIM_DEMO_HOST2:-host2:50051}"
H3="${XSIM_DEMO_HOST3:-host3:50051}"
EX=/app/deploy/examples
POLL_INTERVAL_S=0.5
POLL_COUNT_MAX=240

x() {
  echo "\$ xsim $*"
  xsim "$@"
}

section() {
  printf '\n=== %s\n' "$*"
}

section "three hosts, each in its own container"
for h in "$H1" "$H2" "$H3"; do
  xsim -H "$h" info | grep -E '^(host|nr_cpus|total_memory|free_memory|virt_caps) '
done

section "domains from xl.cfg files"
x -H "$H1" create "$EX/web.pv.cfg" vcpus=3
x -H "$H1" create "$EX/db.pvh.cfg"
x -H "$H2" create "$EX/win.hvm.cfg"
if x -H "$H3" create "$EX/win.hvm.cfg" 2>&1; then
  echo "host3 accepted an HVM guest without HVM support" >&2
  exit 1
fi
echo "(refused, as it must be: host3 has no HVM support)"
sleep 1
for h in "$H1" "$H2" "$H3"; do x -H "$h" list; done

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
if xsim host-list >/dev/null 2>&1; then
  section "host1 evacuated by the scheduler; db (PVH) can only go to host2, memory checked"
  x host-list
  x host-evacuate host1
else
  section "host1 emptied by hand (no scheduler: docker-compose --profile scheduler up has one)"
  x -H "$H1" migrate db "$H2" | grep -E '^(status|total time|transferred|pages verified|normal pages)'
fi
after="$(xsim -H "$H2" checksum db)"
echo "memory checksum of db on host1 before: $before"
echo "memory checksum of db on host2 after:  $after"
[ "$before" = "$after" ] || {
  echo "memory changed in migration" >&2
  exit 1
}

section "save and restore on host2"
x -H "$H2" save web /tmp/web.xsim
x -H "$H2" restore /tmp/web.xsim

section "where everything runs now"
for h in "$H1" "$H2" "$H3"; do x -H "$h" list; done
x -H "$H1" migrations
printf '\nThe cluster stays up: docker-compose exec host1 xsim -H host2:50051 list ; docker-compose down\n'
