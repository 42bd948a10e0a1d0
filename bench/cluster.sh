#!/usr/bin/env bash
# Measures what crossing nodes costs (issue 12): msgbench relay against one plain msgserver,
# against a cluster node with sender and receiver on it, and across two nodes; then the
# cross-node rate one Redis sustains. Starts everything from nothing under a temporary
# directory, stops exactly what it started, and prints a markdown table.
#
# Usage: bench/cluster.sh [--reps N] [--build-dir DIR] [--keep]
#
# Runs (every one against fresh servers, the configurations taking turns in each repetition
# because this host drifts over minutes; a cell is the median of N, 3 by default):
#   single      plain msgserver --unlimited (SQLite), senders and receivers on it
#   same-node   two cluster nodes, senders and receivers all on node1
#   cross-node  two cluster nodes, senders on node1, receivers on node2
#   redis-rate  cross-node with a large window: what one Redis carries here
# Servers, Redis and PostgreSQL are pinned to core 0 and msgbench to core 1 (as compare.sh),
# except redis-rate, where nothing is pinned so that Redis and the nodes use what they can.
# Takes about 3 minutes.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="$repo/build/release"
reps=3
keep=0
while (($#)); do
  case "$1" in
    --reps) reps=$2; shift ;;
    --build-dir) build_dir=$(realpath "$2"); shift ;;
    --keep) keep=1 ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '[cluster.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# The same relay for every configuration: compare.sh's sizes. redis-rate keeps the pairs and
# opens the window so that the nodes are never waiting for the clients.
relay_args="--pairs 50 --window 64 --duration 5"
rate_args="--pairs 50 --window 1024 --duration 5"
configs="single same-node cross-node redis-rate"

msgbench="$build_dir/apps/msgbench/msgbench"
msgserver="$build_dir/apps/msgserver/msgserver"
if [[ ! -x $msgbench || ! -x $msgserver ]]; then
  log "building msgbench and msgserver in $build_dir"
  (cd "$repo" && cmake --preset release >&2 &&
     cmake --build "$build_dir" --target msgbench msgserver >&2)
fi
command -v jq >/dev/null || { echo "cluster.sh: needs jq" >&2; exit 1; }

tmp=$(mktemp -d /tmp/msgbench-cluster.XXXXXX)
chmod 755 "$tmp"
engines="$tmp/engines"
engines_started=0
node_pids=()
stop_nodes() {
  local pid
  for pid in "${node_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${node_pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  node_pids=()
}
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  stop_nodes
  if ((engines_started)); then "$repo/.ci/cluster" down "$engines" >/dev/null 2>&1 || true; fi
  if ((keep)); then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ulimit -n "$(ulimit -Hn)"
"$msgbench" gen-credentials 6000 "$tmp/credentials.txt"
"$repo/.ci/cluster" engines-up "$engines" >"$tmp/engines.log"
engines_started=1
redis_url=$(cat "$engines/redis.url")
conninfo=$(cat "$engines/postgres.conninfo")
redis_pid=$(head -n 1 "$engines/redis.pid")

pin_engines() { # cpu list
  taskset -a -p -c "$1" "$redis_pid" >/dev/null
  local pid
  for pid in $(pgrep -P "$(head -n 1 "$engines/pg/postmaster.pid")") $(head -n 1 "$engines/pg/postmaster.pid"); do
    taskset -p -c "$1" "$pid" >/dev/null 2>&1 || true
  done
}

# Starts one server on port 0 with `cpus`: sets last_pid and last_port; the pid goes to
# node_pids. Its output files are new for every run, so no run reads an old port.
start_server() { # name cpus args...
  local name=$1.$run_index cpus=$2
  shift 2
  taskset -c "$cpus" "$msgserver" 0 60 3600 --credentials "$tmp/credentials.txt" --bind 127.0.0.1 \
    --log-level warn --unlimited "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  local pid=$!
  node_pids+=("$pid")
  local line="" tries=0
  until line=$(grep -s -m 1 '^listening on ' "$tmp/$name.out"); do
    kill -0 "$pid" 2>/dev/null || { tail -n 5 "$tmp/$name.err" >&2; return 1; }
    ((++tries < 300)) || { log "$name did not start listening"; return 1; }
    sleep 0.05
  done
  last_pid=$pid
  last_port=${line##*:}
}

start_node() { # id cpus
  start_server "$1" "$2" --cluster --node-id "$1" --redis "$redis_url" --postgres "$conninfo"
}

results="$tmp/results.jsonl"
: >"$results"
run_index=0
run_one() { # rep config
  local rep=$1 config=$2 cpus=0 bench_cpus=1 args=$relay_args json status=0
  # Fresh users every run: a run never meets the last one's logouts still in flight.
  run_index=$((run_index + 1))
  local first=$((run_index * 100))
  if [[ $config == redis-rate ]]; then cpus=0,1 bench_cpus=0,1 args=$rate_args; fi
  local -a target=()
  case "$config" in
    single)
      start_server single "$cpus" --data-dir "$tmp/data-$rep"
      target=(--port "$last_port" --server-pid "$last_pid")
      ;;
    same-node)
      pin_engines "$cpus"
      start_node node1 "$cpus"
      target=(--port "$last_port" --server-pid "$last_pid" --watch-pid "$redis_pid")
      start_node node2 "$cpus"  # a second member, idle: node1 is a node of a real cluster
      ;;
    cross-node | redis-rate)
      pin_engines "$cpus"
      start_node node1 "$cpus"
      target=(--port "$last_port" --server-pid "$last_pid" --watch-pid "$redis_pid")
      start_node node2 "$cpus"
      target+=(--receiver-port "$last_port" --receiver-pid "$last_pid")
      ;;
  esac
  # shellcheck disable=SC2086  # the argument list is meant to split into words
  json=$(timeout --kill-after=5 120 taskset -c "$bench_cpus" "$msgbench" relay $args \
    --proto msgapp --setup-concurrency 64 --first-user "$first" --server-label "$config" \
    --timeout 100 --json "${target[@]}" 2>>"$tmp/msgbench.err") || status=$?
  stop_nodes
  if [[ $json == "{"* ]]; then
    echo "$json" | jq -c --arg c "$config" --argjson r "$rep" '. + {config: $c, rep: $r}' >>"$results"
  else
    jq -cn --arg c "$config" --argjson r "$rep" '{config: $c, rep: $r, ok: false}' >>"$results"
  fi
  log "rep $rep $config: exit $status"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$SECONDS
for rep in $(seq "$reps"); do
  for config in $configs; do run_one "$rep" "$config"; done
done
log "all runs done in $((SECONDS - started)) s"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# The table: medians over the runs that were exact (every message once, in order).
median() { # config jq-expression
  jq -r -s --arg c "$1" "[.[] | select(.config == \$c and .ok == true) | $2 | select(. != null)] | sort |
    if length == 0 then \"-\" else .[(length - 1) / 2 | floor] end" "$results"
}
range() { # config jq-expression -> "min-max" over the exact runs
  jq -r -s --arg c "$1" "[.[] | select(.config == \$c and .ok == true) | $2 | select(. != null)] | sort |
    if length < 2 then \"\" else \" (\\(.[0])-\\(.[-1]))\" end" "$results"
}
okcount() { jq -s --arg c "$1" '[.[] | select(.config == $c and .ok == true)] | length' "$results"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }

single_cpu=$(median single .server_cpu_us_per_msg)
same_cpu=$(median same-node .server_cpu_us_per_msg)
cross_cpu=$(median cross-node .server_cpu_us_per_msg)

echo "Generated by \`bench/cluster.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), tree $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?'):"
echo "$reps run(s) per configuration, each against fresh servers; a cell is the median over the runs that delivered every message once and in order, CPU with (min-max)."
echo "Machine: $(uname -srm), $(nproc) cores; load average $load_before before, $load_after after."
echo "Relay: \`msgbench relay $relay_args\` (redis-rate: \`$rate_args\`, nothing pinned); servers, Redis and PostgreSQL on core 0, msgbench on core 1."
echo
echo "| configuration | exact runs | server CPU µs/msg (cross: node1 + node2) | msgs/s | p50 / p99 latency µs | Redis CPU µs/msg, % of a core | node1 / node2 % of a core |"
echo "|---|---|---|---|---|---|---|"
for config in $configs; do
  cpu="$(median "$config" .server_cpu_us_per_msg)$(range "$config" .server_cpu_us_per_msg)"
  split=""
  if [[ $config == cross-node || $config == redis-rate ]]; then
    split=" ($(median "$config" .sender_server_cpu_us_per_msg) + $(median "$config" .receiver_server_cpu_us_per_msg))"
  fi
  nodes="$(median "$config" .server_cpu_pct)"
  if [[ $config == cross-node || $config == redis-rate ]]; then
    nodes="$(median "$config" .sender_server_cpu_pct) / $(median "$config" .receiver_server_cpu_pct)"
  fi
  redis="-"
  [[ $config != single ]] && redis="$(median "$config" .watched_cpu_us_per_msg), $(median "$config" .watched_cpu_pct)%"
  printf '| %s | %s/%s | %s%s | %s | %s / %s | %s | %s |\n' "$config" "$(okcount "$config")" "$reps" \
    "$cpu" "$split" "$(median "$config" .msgs_per_s)" "$(median "$config" .latency_p50_us)" \
    "$(median "$config" .latency_p99_us)" "$redis" "$nodes"
done
echo
echo "- same-node cluster / single node, server CPU per message: $(ratio "$same_cpu" "$single_cpu") (issue 12's target: at most 1.10x)"
echo "- cross-node / same-node, server CPU per message (both nodes): $(ratio "$cross_cpu" "$same_cpu")"
echo "- client (msgbench) CPU share, median: $(for c in $configs; do printf '%s %s%%; ' "$c" "$(median "$c" .client_cpu_pct)"; done)"
((keep)) && log "raw results: $results"
exit 0
