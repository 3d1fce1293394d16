#!/usr/bin/env bash
# Runs every check of `make test` as two lanes side by side (vitest.config.ts has the projects):
#   timed   the Docker images built (a cold build takes minutes on a fresh machine; cached, seconds),
#           then the real-process tests (host processes, nats-server, gRPC: tests/*.test.ts), then
#           the container tests (tests/containers), each one file at a time, as before the lanes
#   checks  npm run lint, npm run typecheck, then the in-process tests (simulated clock, CPU-bound,
#           2 files at a time), nice'd so that the timed lane gets the CPU first
# The timed tests wait on real time and leave most of the CPU idle, which the nice'd lane fills; they
# never overlap each other nor the image build: a starved host process may see a false fence, and
# dockerd and the containers run outside our niceness (a container test beside the real-process
# tests failed once under load, session 13). The checks lane ends well before the containers start.
# Each line of output starts with its lane's name; at the end a summary, and the failures of every
# lane that failed printed again in one piece. Exit status: 0 only if every lane passed.
# XSIM_SKIP_BUILD=1: dist/ was just built (make test's deps did), the processes project does not build it.
set -uo pipefail
cd "$(dirname "$0")/.."

# The checks lane's niceness: a nice-0 thread gets 90 % of a CPU it shares with a nice-10 one.
NICE_UNTIMED=10
log_dir="$(mktemp -d "${TMPDIR:-/tmp}/xsim-lanes-XXXXXX")"
lanes=(timed checks)

# Each step runs even if one before it failed (the containers need the images); the lane fails if any did.
lane_timed() {
  local status=0
  local docker_ready=0
  if [ "${XSIM_WITH_DOCKER:-0}" = "1" ] || docker info >/dev/null 2>&1; then
    if { [ "${XSIM_WITH_DOCKER:-0}" != "1" ] || ./deploy/docker/engine.sh start; } && ./deploy/docker/build-images.sh; then
      docker_ready=1
    else
      status=1
      echo "lanes: FAILED: the Docker engine or the image build"
    fi
  fi
  npx vitest run --project processes || {
    status=1
    echo "lanes: FAILED: the real-process tests"
  }
  # Without Docker the container tests say so and are skipped (tests/containers, dockerEngineReady).
  if [ "$docker_ready" = 1 ] || [ "${XSIM_WITH_DOCKER:-0}" != "1" ]; then
    npx vitest run --project containers || {
      status=1
      echo "lanes: FAILED: the container tests"
    }
  fi
  return "$status"
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
# The last lines name what failed, after the re-printed failures (whose tail may be another vitest
# run's output): a reader of the log's end alone (a CI excerpt) sees which lane, check and file.
if [ "${#failed[@]}" != 0 ]; then
  echo
  echo "==== lanes: what failed ===="
  for name in "${failed[@]}"; do
    grep "^lanes: FAILED" "$log_dir/$name.log" | sed "s/^lanes: FAILED: /  $name: /"
    sed 's/\x1b\[[0-9;]*m//g' "$log_dir/$name.log" | grep -E "^ *FAIL " | sed -E 's/^ *FAIL +/    /' | sort -u | head -20
  done
fi
[ "${#failed[@]}" = 0 ]
