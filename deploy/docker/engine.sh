#!/usr/bin/env bash
# Starts or stops a Docker engine for xensim's container tests and CI.
#   engine.sh start   if no engine answers `docker info`, start dockerd in the background (log in
#                     $XSIM_DOCKERD_LOG) and wait until it answers; record its pid
#   engine.sh stop    stop the dockerd that `start` started (and nothing else), unless another
#                     user still holds it
# A lock keeps two callers (CI, parallel test files) from starting a second dockerd: a second one
# beside a running one breaks the first one's docker0 bridge.
# Users: a caller that sets XSIM_ENGINE_USER (a pid, e.g. .ci/run's own) is recorded by `start`
# whether it started the engine or found it running, and `stop` removes it; the engine is stopped
# only when no recorded user is still alive. So two runs that overlap (two CI clones on one machine)
# do not lose the engine when the first one ends.
set -euo pipefail
STATE_DIR="${XSIM_DOCKERD_STATE_DIR:-/tmp}"
PID_FILE="$STATE_DIR/xsim-dockerd.pid"
LOCK_FILE="$STATE_DIR/xsim-dockerd.lock"
LOG_FILE="${XSIM_DOCKERD_LOG:-$STATE_DIR/xsim-dockerd.log}"
USERS_DIR="$STATE_DIR/xsim-dockerd.users"
ENGINE_USER="${XSIM_ENGINE_USER:-}"
START_WAIT_S_MAX=60
STOP_WAIT_S_MAX=30

answers() { docker info >/dev/null 2>&1; }

register_user() {
  [ -n "$ENGINE_USER" ] || return 0
  mkdir -p "$USERS_DIR"
  : >"$USERS_DIR/$ENGINE_USER"
}

# The recorded users other than this caller whose process is still alive (stale entries removed).
other_live_users() {
  [ -d "$USERS_DIR" ] || return 0
  local f user
  for f in "$USERS_DIR"/*; do
    [ -e "$f" ] || continue
    user="$(basename "$f")"
    [ "$user" != "$ENGINE_USER" ] || continue
    if kill -0 "$user" 2>/dev/null; then echo "$user"; else rm -f "$f"; fi
  done
}

start() {
  exec 9>"$LOCK_FILE"
  flock 9
  if answers; then
    register_user
    echo "docker engine: already running"
    return 0
  fi
  command -v dockerd >/dev/null 2>&1 || {
    echo "docker engine: no dockerd (apt-get install docker.io)" >&2
    exit 1
  }
  [ "$(id -u)" = 0 ] || {
    echo "docker engine: dockerd must be started as root" >&2
    exit 1
  }
  setsid nohup dockerd >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
  local pid=$!
  for _ in $(seq $((START_WAIT_S_MAX * 2))); do
    if answers; then
      echo "$pid" >"$PID_FILE"
      register_user
      echo "docker engine: started dockerd (pid $pid, log $LOG_FILE)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -TERM "$pid" 2>/dev/null || true
  echo "docker engine: dockerd did not answer; last lines of $LOG_FILE:" >&2
  tail -20 "$LOG_FILE" >&2
  exit 1
}

stop() {
  exec 9>"$LOCK_FILE"
  flock 9
  [ -z "$ENGINE_USER" ] || rm -f "$USERS_DIR/$ENGINE_USER"
  [ -f "$PID_FILE" ] || return 0
  local others
  others="$(other_live_users | tr '\n' ' ')"
  if [ -n "$others" ]; then
    echo "docker engine: left running for its other users (pids $others)"
    return 0
  fi
  local pid
  pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq $((STOP_WAIT_S_MAX * 2))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    echo "docker engine: stopped dockerd (pid $pid)"
  fi
  rm -f "$PID_FILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
