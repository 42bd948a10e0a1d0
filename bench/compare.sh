#!/usr/bin/env bash
# Compares msgserver with InspIRCd, ngircd and the no-logic ceiling (bench/ceiling) on this
# machine (loopback only) and writes the medians into docs/performance.md between
# generated-section markers, the summary table of issue 11 first.
#
# Usage: bench/compare.sh [--quick] [--reps N] [--idle-reps N] [--servers "ceiling msgserver inspircd ngircd"]
#        (also msgserver-mem: the same binary with --in-memory, to see what the store costs)
#                         [--workloads "relay ping fanout idle login slowreader slowreader-baseline presence-storm"]
#                         [--build-dir DIR] [--baseline DIR] [--out FILE] [--profile] [--keep] [--no-install]
#
# --baseline DIR adds a server "baseline": the msgserver of another build tree (e.g. a worktree of
# the previous commit), run in turn with the others, so a change is measured before and after
# in one run: `bench/compare.sh --servers msgserver --baseline ../old/build/release --out /tmp/ab.md`.
#
# Takes about 15 minutes with the default sizes (--quick: about 2 minutes); every run is bounded. idle runs once per
# server by default (--idle-reps): RSS per connection is a memory figure that barely moves
# between runs, and setting up 5,000 users is the slowest step of the whole script.
# Not every server runs every workload: presence-storm only against msgserver, msgserver-mem and
# baseline (the IRC servers and the ceiling send no presence lines); see serves() below.
#
# Every server runs pinned to core 0 and msgbench to core 1; each run gets a fresh server, and
# the servers take turns within each repetition, because this host's wall-clock throughput
# drifts over minutes (see shared/notes/performance-anchors.md). Server CPU per delivered
# message is the figure to compare; wall throughput is shown but is noisy.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="$repo/build/release"
baseline_dir=""
out="$repo/docs/performance.md"
reps=3
idle_reps=1
quick=0
profile=0
keep=0
install=1
servers="ceiling msgserver inspircd ngircd"
workloads="relay ping fanout idle login slowreader slowreader-baseline presence-storm"

while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --reps) reps=$2; shift ;;
    --idle-reps) idle_reps=$2; shift ;;
    --servers) servers=$2; shift ;;
    --workloads) workloads=$2; shift ;;
    --build-dir) build_dir=$(realpath "$2"); shift ;;
    --baseline) baseline_dir=$(realpath "$2"); shift ;;
    --out) out=$(realpath -m "$2"); shift ;;
    --profile) profile=1; keep=1 ;;
    --keep) keep=1 ;;
    --no-install) install=0 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if ((quick)) && [[ $reps == 3 ]]; then reps=1; fi
[[ -n $baseline_dir ]] && servers="baseline $servers"

log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Sizes. The defaults are msgbench's own; --quick shrinks them to finish in a few minutes.
if ((quick)); then
  relay_args="--pairs 20 --window 64 --duration 2"
  ping_args="--duration 2"
  fanout_args="--users 50 --senders 4 --window 16 --duration 2"
  idle_args="--connections 500"
  login_args="--in-flight 8 --duration 2"
  slow_args="--pairs 100 --window 16 --duration 2"
  storm_args="--users 500 --in-flight 64"
else
  relay_args="--pairs 50 --window 64 --duration 5"
  ping_args="--duration 3"
  fanout_args="--users 200 --senders 4 --window 16 --duration 5"
  idle_args="--connections 5000"
  login_args="--in-flight 8 --duration 5"
  slow_args="--pairs 500 --window 16 --duration 5"
  storm_args="--users 5000 --in-flight 64"
fi
# Seconds for one msgbench run, setup included; msgbench's own guard (--timeout) is 20 s shorter.
run_timeout_for() { [[ $1 == idle || $1 == presence-storm ]] && echo 450 || echo 120; }

# ---------------------------------------------------------------------------------------------
# Tools: the two IRC servers from Debian, installed only when missing.
need_packages=()
for s in $servers; do
  case "$s" in
    inspircd) need_packages+=(inspircd) ;;
    ngircd) need_packages+=(ngircd) ;;
  esac
done
((profile)) && need_packages+=(linux-perf)
missing=()
for p in "${need_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if ((install)); then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "compare.sh: missing packages: ${missing[*]}" >&2
    exit 1
  fi
fi

msgbench="$build_dir/apps/msgbench/msgbench"
msgserver="$build_dir/apps/msgserver/msgserver"
msgceiling="$build_dir/bench/ceiling/msgceiling"
baseline="$baseline_dir/apps/msgserver/msgserver"
# Load runs lift msgserver's rate and per-address limits, as the IRC servers' flood settings
# are lifted below (docs/limits.md); a baseline from before --unlimited has none to lift.
baseline_unlimited=""
if [[ -x $baseline ]] && "$baseline" --help 2>/dev/null | grep -q -- --unlimited; then
  baseline_unlimited="--unlimited"
fi
if [[ -n $baseline_dir && ! -x $baseline ]]; then
  echo "compare.sh: no msgserver in $baseline_dir/apps/msgserver" >&2
  exit 1
fi
if [[ ! -x $msgbench || ( " $servers " == *" msgserver "* && ! -x $msgserver ) ||
      ( " $servers " == *" ceiling "* && ! -x $msgceiling ) ]]; then
  log "building msgbench, msgserver and msgceiling in $build_dir"
  (cd "$repo" && cmake --preset release >&2 &&
     cmake --build --preset release --target msgbench msgserver msgceiling -j1 >&2)
fi

tmp=$(mktemp -d /tmp/msgbench-compare.XXXXXX)
# ngircd drops to user nobody when started as root: it must be able to read its config.
chmod 755 "$tmp"
server_pid=""
stop_server() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  stop_server
  if ((keep)); then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Servers and msgbench need a socket per connection: 5,000 idle ones plus the listener.
ulimit -n "$(ulimit -Hn)"

# ---------------------------------------------------------------------------------------------
# Configurations: flood control off and limits raised so the IRC servers are measured, not
# their anti-abuse settings (values from shared/notes/performance-anchors.md).
write_inspircd_conf() { # port
  cat >"$tmp/inspircd.conf" <<EOF
<server name="bench.inspircd.local" description="msgbench" network="bench">
<admin name="bench" nick="bench" email="bench@localhost">
<bind address="127.0.0.1" port="$1" type="clients">
<pid file="$tmp/inspircd.pid">
<connect allow="127.0.0.1" timeout="60" pingfreq="600"
         threshold="4000000" commandrate="4000000000" fakelag="yes"
         recvq="33554432" softsendq="33554432" hardsendq="67108864"
         localmax="1000000" globalmax="1000000" limit="1000000" maxchans="100"
         resolvehostnames="no">
<performance softlimit="100000" somaxconn="4096">
<files motd="$tmp/motd.txt">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="$tmp/inspircd.log">
EOF
  echo "msgbench" >"$tmp/motd.txt"
}

write_ngircd_conf() { # port
  cat >"$tmp/ngircd.conf" <<EOF
[Global]
	Name = bench.ngircd.local
	Info = msgbench
	AdminInfo1 = msgbench
	AdminInfo2 = loopback
	AdminEMail = bench@localhost
	Listen = 127.0.0.1
	Ports = $1
	MotdPhrase = "msgbench"
[Limits]
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxJoins = 0
	MaxPenaltyTime = 0
	PingTimeout = 600
	PongTimeout = 60
[Options]
	DNS = no
	Ident = no
	PAM = no
EOF
  chmod 644 "$tmp/ngircd.conf"
}

# msgserver accounts: user0..user5999 with password pw, msgbench's naming scheme.
"$msgbench" gen-credentials 6000 "$tmp/credentials.txt"

# A loopback port nobody listens on; each server start gets a new one. The ports lie outside
# the kernel's ephemeral range, where msgbench's thousands of client sockets (and their
# TIME_WAIT remains) could already hold the port a server wants to bind.
read -r eph_low eph_high </proc/sys/net/ipv4/ip_local_port_range
if ((eph_high < 64000)); then next_port=$((eph_high + 100)); else next_port=$((eph_low - 2000)); fi
free_port() {
  while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do next_port=$((next_port + 1)); done
  port=$next_port
  next_port=$((next_port + 1))
}

wait_for_port() { # port seconds
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

server_command() { # name port -> the command line, for the report as well
  case "$1" in
    # A fresh data directory for every run (the port differs), so no run inherits another's state.
    msgserver) echo "$msgserver $2 60 3600 --credentials $tmp/credentials.txt --bind 127.0.0.1 --log-level warn --unlimited --data-dir $tmp/data-$2" ;;
    msgserver-mem) echo "$msgserver $2 60 3600 --credentials $tmp/credentials.txt --bind 127.0.0.1 --log-level warn --unlimited --in-memory" ;;
    baseline) echo "$baseline $2 60 3600 --credentials $tmp/credentials.txt --bind 127.0.0.1 --log-level warn $baseline_unlimited" ;;
    ceiling) echo "$msgceiling $2 --bind 127.0.0.1" ;;
    inspircd) echo "inspircd --nofork --runasroot --config=$tmp/inspircd.conf" ;;
    ngircd) echo "ngircd -n -f $tmp/ngircd.conf" ;;
  esac
}

start_server() { # name -> sets server_pid and port
  free_port
  case "$1" in
    inspircd) write_inspircd_conf "$port" ;;
    ngircd) write_ngircd_conf "$port" ;;
  esac
  # shellcheck disable=SC2046
  taskset -c 0 $(server_command "$1" "$port") >"$tmp/$1.out" 2>"$tmp/$1.err" &
  server_pid=$!
  if ! wait_for_port "$port" 15; then
    log "$1 did not start on port $port; its output:"
    tail -n 5 "$tmp/$1.out" "$tmp/$1.err" >&2 || true
    stop_server
    return 1
  fi
}

# Per server: protocol, and logins in flight while a workload sets up its users. ngircd loses
# connections beyond its listen backlog of 10; InspIRCd registers users on a once-a-second tick,
# so it needs many in flight to set up 5,000 users in reasonable time.
server_args() {
  case "$1" in
    msgserver | msgserver-mem | baseline | ceiling) echo "--proto msgapp --setup-concurrency 64" ;;
    inspircd) echo "--proto irc --setup-concurrency 500" ;;
    ngircd) echo "--proto irc --setup-concurrency 8" ;;
  esac
}

workload_args() {
  case "$1" in
    relay) echo "relay $relay_args" ;;
    ping) echo "ping $ping_args" ;;
    fanout) echo "fanout $fanout_args" ;;
    idle) echo "idle $idle_args" ;;
    login) echo "login $login_args" ;;
    slowreader) echo "slowreader $slow_args" ;;
    slowreader-baseline) echo "slowreader --no-slow $slow_args" ;;
    presence-storm) echo "presence-storm $storm_args" ;;
  esac
}

# Whether a server takes part in a workload. presence-storm counts msgapp presence lines: the IRC
# servers have no such notices and the ceiling sends none. The ceiling runs everything else: its
# login accepts any password, and its bounded outbox cuts the slow reader off like msgserver's.
serves() { # server workload
  case "$2" in
    presence-storm) [[ $1 == msgserver || $1 == msgserver-mem || $1 == baseline ]] ;;
    *) return 0 ;;
  esac
}

results="$tmp/results.jsonl"
: >"$results"
run_one() { # rep workload server
  local rep=$1 workload=$2 server=$3 json status
  if ! start_server "$server"; then
    printf '{"rep":%s,"workload":"%s","server":"%s","ok":false,"first_error":"server did not start"}\n' \
      "$rep" "$workload" "$server" >>"$results"
    return
  fi
  local run_timeout
  run_timeout=$(run_timeout_for "$workload")
  # shellcheck disable=SC2046  # the argument lists are meant to split into words
  set -- $(workload_args "$workload") $(server_args "$server") --port "$port" \
    --server-pid "$server_pid" --server-label "$server" --timeout $((run_timeout - 20)) --json
  status=0
  json=$(timeout --kill-after=5 "$run_timeout" taskset -c 1 "$msgbench" "$@" 2>>"$tmp/msgbench.err") || status=$?
  stop_server
  if [[ $json == "{"* ]]; then
    echo "{\"rep\":$rep,${json#\{}" >>"$results"
  else
    printf '{"rep":%s,"workload":"%s","server":"%s","ok":false,"first_error":"msgbench exited %s"}\n' \
      "$rep" "$workload" "$server" "$status" >>"$results"
  fi
  log "rep $rep $workload $server: exit $status"
}

started=$SECONDS
for rep in $(seq "$reps"); do
  for workload in $workloads; do
    [[ $workload == idle ]] && ((rep > idle_reps)) && continue
    for server in $servers; do
      if serves "$server" "$workload"; then run_one "$rep" "$workload" "$server"; fi
    done
  done
done
log "all runs done in $((SECONDS - started)) s"

# ---------------------------------------------------------------------------------------------
# Optional: where msgserver spends its CPU in the relay workload (an extra run, not counted).
if ((profile)) && [[ " $servers " == *" msgserver "* ]]; then
  start_server msgserver
  perf record -F 999 -g -p "$server_pid" -o "$tmp/perf.data" >/dev/null 2>&1 &
  perf_pid=$!
  # shellcheck disable=SC2046
  taskset -c 1 "$msgbench" $(workload_args relay) $(server_args msgserver) --port "$port" \
    --server-pid "$server_pid" --server-label msgserver --json >/dev/null || true
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  stop_server
  perf report -i "$tmp/perf.data" --stdio --no-children 2>/dev/null | head -120 >"$tmp/msgserver-relay-profile.txt" || true
  log "profile: $tmp/msgserver-relay-profile.txt"
fi

# ---------------------------------------------------------------------------------------------
# The report: machine, versions, exact commands, then the tables, between markers.
section="$tmp/section.md"
begin_marker='<!-- BEGIN bench/compare.sh results: generated, do not edit by hand -->'
end_marker='<!-- END bench/compare.sh results -->'
version_of() {
  case "$1" in
    msgserver) echo "$("$msgserver" --version 2>/dev/null | head -1) (tree $(git -C "$repo" describe --always --dirty 2>/dev/null || echo 'without commits'))" ;;
    baseline) echo "baseline: $("$baseline" --version 2>/dev/null | head -1) (tree $(git -C "$baseline_dir" describe --always --dirty 2>/dev/null || echo "$baseline_dir"))" ;;
    ceiling) echo "ceiling: msgceiling, bench/ceiling (tree $(git -C "$repo" describe --always --dirty 2>/dev/null || echo 'without commits'))" ;;
    inspircd) inspircd --version 2>/dev/null | head -1 ;;
    ngircd) ngircd --version 2>/dev/null | head -1 ;;
  esac
}
{
  echo "$begin_marker"
  echo "## msgserver against InspIRCd and ngircd"
  echo
  echo "Generated by \`bench/compare.sh$( ((quick)) && echo ' --quick')\` on $(date -u '+%Y-%m-%d %H:%M UTC'):"
  echo "$reps run(s) per cell ($(( idle_reps < reps ? idle_reps : reps )) for idle), each against a fresh server; a cell is the median, with (min-max) when there are several runs."
  echo "Servers pinned to core 0 (\`taskset -c 0\`), msgbench to core 1 (\`taskset -c 1\`), loopback only (127.0.0.1)."
  echo "Server CPU is the sum of /proc/PID/task/*/schedstat over the measuring window; it is the stable figure."
  echo "Wall throughput (per second) moves with the load of this shared host: compare ratios within one run."
  if [[ " $servers " == *" ceiling "* ]]; then
    echo "The ceiling is \`msgceiling\` (bench/ceiling): a no-logic Asio relay speaking msgbench's part of the protocol with msgserver's bytes (no password check, presence, storage, blocks, time-outs or rate limits; one coroutine per connection, one write per recipient for all the lines of one poll of the reactor), about what this machine allows."
    echo "It runs every workload but presence-storm, which only msgserver runs (the IRC servers and the ceiling send no presence)."
  fi
  echo
  echo "- Machine: $(uname -srm), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM"
  echo "- Compiler: $(g++ --version | head -1); build: $(basename "$build_dir")"
  for s in $servers; do echo "- $(version_of "$s")"; done
  echo
  echo "Commands (\$TMPDIR is the script's temporary directory; PORT and PID change per run):"
  echo
  echo '```'
  for s in $servers; do echo "taskset -c 0 $(server_command "$s" PORT)"; done
  echo "taskset -c 1 $msgbench WORKLOAD SERVER --port PORT --server-pid PID --server-label NAME --timeout T --json"
  echo
  echo "T is $(($(run_timeout_for idle) - 20)) for idle and presence-storm, $(($(run_timeout_for relay) - 20)) otherwise. WORKLOAD is one of:"
  for w in $workloads; do echo "  $(workload_args "$w")"; done
  echo "SERVER is:"
  for s in $servers; do echo "  $s: $(server_args "$s")"; done
  echo '```'
  echo
  echo "<details><summary>IRC server configurations</summary>"
  echo
  echo '```'
  write_inspircd_conf PORT && cat "$tmp/inspircd.conf"
  echo
  write_ngircd_conf PORT && cat "$tmp/ngircd.conf"
  echo '```'
  echo
  echo "</details>"
  echo
  awk -f "$repo/bench/summarize.awk" "$results"
  echo "$end_marker"
} | sed "s|$tmp|\$TMPDIR|g; s|$repo/||g" >"$section"

mkdir -p "$(dirname "$out")"
if [[ ! -f $out ]]; then
  # shellcheck disable=SC2016  # the backquotes are markdown
  printf '# Performance\n\nHow msgserver compares with established IRC servers on the same machine.\nRegenerate the section below with `bench/compare.sh` (see the top of that script).\n\n' >"$out"
fi
if grep -qF "$begin_marker" "$out"; then
  awk -v begin="$begin_marker" -v end="$end_marker" -v section="$section" '
    $0 == begin { while ((getline line < section) > 0) print line; skipping = 1; next }
    $0 == end { skipping = 0; next }
    !skipping { print }
  ' "$out" >"$tmp/performance.md"
  cat "$tmp/performance.md" >"$out"
else
  { echo; cat "$section"; } >>"$out"
fi
log "wrote $out"
((keep)) && log "raw results: $results"
exit 0
