#!/usr/bin/env bash
# Drives msgceiling with `msgbench smoke` (relay, fanout, and the client library's replies), so the
# relay compare.sh measures as the ceiling keeps speaking msgbench's part of the protocol.
# Usage: ceiling_smoke.sh MSGCEILING MSGBENCH
set -euo pipefail
ceiling=$1
bench=$2
pid=""
# shellcheck disable=SC2317  # called by the EXIT trap
stop() { if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; }
trap stop EXIT

# msgceiling prints nothing while it runs, so the port is ours to choose: one nobody listens on,
# tried again with the next one if another program takes it first.
port=$((20000 + RANDOM % 20000))
for _ in $(seq 20); do
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  "$ceiling" "$port" --bind 127.0.0.1 &
  pid=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break 2
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  stop
  pid=""
  port=$((port + 1))
done
[[ -n $pid ]] || { echo "ceiling_smoke: msgceiling did not start" >&2; exit 1; }
"$bench" smoke --port "$port" --timeout 20
