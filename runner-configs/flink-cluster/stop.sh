#!/usr/bin/env bash
# Stops the Flink session cluster that start.sh started, by the PIDs it saved (TERM, then KILL
# after 20 s). Env: FLINK_RUN_DIR as for start.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUN=${FLINK_RUN_DIR:-$ROOT/target/flink-cluster}
declare -A entry=([taskmanager]=TaskManagerRunner [jobmanager]=StandaloneSessionClusterEntrypoint)
for role in taskmanager jobmanager; do
  f="$RUN/$role.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  # Only the process start.sh started: after a reboot the PID may belong to something else.
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "${entry[$role]}"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "stopped $role (pid $pid)"
  fi
  rm -f "$f"
done
