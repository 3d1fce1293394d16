#!/usr/bin/env bash
# Runs every check of `make test` as lanes side by side (vitest.config.ts has the projects):
#   processes   real host processes, nats-server, gRPC (tests/*.test.ts), one file at a time
#   containers  the Docker image built first (cached: seconds), then tests/containers one at a time
#   checks      npm run lint, npm run typecheck, then the in-process tests (simulated clock, CPU-bound,
#               2 files at a time), nice'd so that the timed lanes get the CPU first
# The timed lanes wait on real time and leave most of the CPU idle, which the nice'd lane fills. The
# checks run one after the other: side by side they would only share the same idle CPU.
# Each line of output starts with its lane's name; at the end a summary, and the failures of every
# lane that failed printed again in one piece. Exit status: 0 only if every lane passed.
# XSIM_SKIP_BUILD=1: dist/ was just built (make test's deps did), the processes lane does not build it.
set -uo pipefail
cd "$(dirname "$0")/.."

# The checks lane's niceness: a nice-0 thread gets 90 % of a CPU it shares with a nice-10 one.
NICE_UNTIMED=10
log_dir="$(mktemp -d "${TMPDIR:-/tmp}/xsim-lanes-XXXXXX")"
lanes=(processes containers checks)

lane_processes() { npx vitest run --project processes; }

lane_containers() {
  # The image first (as CI builds it on a fresh machine: minutes, while the other lanes run), so that
  # no test file's beforeAll spends its hook timeout on a cold build.
  if [ "${XSIM_WITH_DOCKER:-0}" = "1" ] || docker info >/dev/null 2>&1; then
    [ "${XSIM_WITH_DOCKER:-0}" != "1" ] || ./deploy/docker/engine.sh start || return 1
    ./deploy/docker/build-images.sh || return 1
  fi
  npx vitest run --project containers
}

# Each check runs even if one before it failed; the lane fails if any did.
lane_checks() {
  local status=0
  local check
  for check in "npm run lint" "npm run typecheck" "npx vitest run --project unit"; do
    # shellcheck disable=SC2086 # the check's words
    nice -n "$NICE_UNTIMED" $check || {
      status=1
      echo "lanes: FAILED: $check"
    }
  done
  return "$status"
}

run_lane() {
  local name="$1"
  local started=$SECONDS
  TIMEFORMAT="%U %S"
  { time "lane_$name" >"$log_dir/$name.log" 2>&1; } 2>"$log_dir/$name.cpu"
  local status=$?
  echo "$status $((SECONDS - started))" >"$log_dir/$name.status"
}

# Each lane's log, as it grows, with the lane's name in front of every line.
follow() {
  local name="$1"
  tail -n +1 -F --pid="$2" "$log_dir/$name.log" 2>/dev/null | sed -u "s/^/[$name] /"
}

pids=()
for name in "${lanes[@]}"; do
  : >"$log_dir/$name.log"
  run_lane "$name" &
  pids+=("$!")
done
followers=()
for i in "${!lanes[@]}"; do
  follow "${lanes[$i]}" "${pids[$i]}" &
  followers+=("$!")
done
trap 'kill "${pids[@]}" "${followers[@]}" 2>/dev/null' INT TERM
wait "${pids[@]}"
wait "${followers[@]}" 2>/dev/null

echo
echo "lanes (logs in $log_dir):"
failed=()
for name in "${lanes[@]}"; do
  read -r status wall_s <"$log_dir/$name.status"
  read -r user_s sys_s <"$log_dir/$name.cpu" || true
  verdict=passed
  [ "$status" = 0 ] || {
    verdict="FAILED ($status)"
    failed+=("$name")
  }
  printf "  %-11s %-12s %5d s wall, %s s user, %s s sys\n" "$name" "$verdict" "$wall_s" "${user_s:-?}" "${sys_s:-?}"
done
for name in "${failed[@]}"; do
  echo
  echo "==== lane $name failed: its failures again ($log_dir/$name.log) ===="
  # Which checks failed, then vitest's own list of failures (from "Failed Tests" on), else the
  # lane's last lines.
  grep "^lanes: FAILED" "$log_dir/$name.log"
  if grep -q "Failed Tests\|Failed Suites" "$log_dir/$name.log"; then
    sed -n '/Failed \(Tests\|Suites\)/,$p' "$log_dir/$name.log"
  else
    tail -60 "$log_dir/$name.log"
  fi
done
[ "${#failed[@]}" = 0 ]
