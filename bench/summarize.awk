# Turns compare.sh's results.jsonl (one msgbench JSON line per run) into markdown tables of medians:
# issue 11's summary first, then every server side by side, then one table per workload.
# Plain POSIX awk (Debian's default mawk): no asort, so the few values per cell are sorted by hand.

function parse(line,    rest, kv, key, val) {
  split("", F)
  rest = line
  while (match(rest, /"[a-z0-9_]+":("([^"\\]|\\.)*"|[^,}]*)/)) {
    kv = substr(rest, RSTART, RLENGTH)
    rest = substr(rest, RSTART + RLENGTH)
    key = kv; sub(/":.*/, "", key); sub(/^"/, "", key)
    val = kv; sub(/^"[a-z0-9_]+":/, "", val); sub(/^"/, "", val); sub(/"$/, "", val)
    F[key] = val
  }
}

function remember(list, item, count_name) {
  if (!((count_name, item) in SEEN)) {
    SEEN[count_name, item] = 1
    list[++COUNT[count_name]] = item
  }
}

function median_of(k,    n, i, j, v, t, a) {
  n = NV[k]
  for (i = 1; i <= n; i++) a[i] = V[k, i] + 0
  for (i = 2; i <= n; i++) {  # insertion sort: n is the number of repetitions
    t = a[i]
    for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
    a[j + 1] = t
  }
  LO = a[1]; HI = a[n]
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

function fmt(x) {
  if (x >= 100) return sprintf("%.0f", x)
  if (x >= 10) return sprintf("%.1f", x)
  if (x >= 1) return sprintf("%.2f", x)
  return sprintf("%.3f", x)
}

function cell(w, s, m,    k, med, i, sum) {
  k = w SUBSEP s SUBSEP m
  if (!(k in NV) || NV[k] == 0) return "-"
  if (m ~ /_n$/) {  # a yes/no per run: say in how many runs it was yes
    for (i = 1; i <= NV[k]; i++) sum += V[k, i]
    return sum "/" NV[k]
  }
  med = median_of(k)
  if (NV[k] == 1 || LO == HI) return fmt(med)
  return fmt(med) " (" fmt(LO) "-" fmt(HI) ")"
}

function display(s) {
  if (s == "inspircd") return "InspIRCd"
  if (s == "ngircd") return "ngircd"
  return s
}

# The median of one figure, or "" when no correct run has it.
function median_or_none(w, s, m,    k) {
  k = w SUBSEP s SUBSEP m
  return ((k in NV) && NV[k] > 0) ? median_of(k) : ""
}

# A workload's size as the runs reported it (e.g. relay's pairs) in a phrase; "" if none did.
function sized(w, phrase, key) {
  return ((w, key) in SIZE) ? sprintf(phrase, SIZE[w, key]) : ""
}

# Issue 11's table: the figures its targets are set in, the four servers, and the distance from
# msgserver to the ceiling. A workload that did not run shows "-".
function print_summary(    r, n, rows, rp, w, m, label, line, j, med, ceil, ms) {
  n = split("relay;fanout;ping;idle;presence-storm", rows, ";")
  print "### Summary: msgserver against the ceiling (medians; lower is better)"
  print ""
  print "| workload | ceiling | InspIRCd | ngircd | msgserver | msgserver / ceiling | target |"
  print "|---|---|---|---|---|---|---|"
  for (r = 1; r <= n; r++) {
    w = rows[r]
    split(SUMMARY[w], rp, "|")
    m = rp[1]
    if (w == "relay") label = "relay" sized(w, ", %s pairs", "pairs") sized(w, ", window %s", "window") ": CPU µs/msg"
    else if (w == "fanout") label = "fanout" sized(w, ", %s users", "users") sized(w, ", %s senders", "senders") ": CPU µs/line"
    else if (w == "ping") label = "ping, one in flight: p50 µs"
    else if (w == "idle") label = "idle" sized(w, ", %s logged in", "connections") ": KiB/conn"
    else label = "presence-storm" sized(w, ", %s logins", "users") ": CPU ms/login"
    line = "| " label " |"
    for (j = 1; j <= 4; j++) {
      med = median_or_none(w, SUMMARY_SERVERS[j], m)
      line = line " " (med != "" ? fmt(med) : "-") " |"
    }
    ceil = median_or_none(w, "ceiling", m)
    ms = median_or_none(w, "msgserver", m)
    line = line " " ((ceil != "" && ms != "" && ceil > 0) ? sprintf("%.2fx", ms / ceil) : "-") " |"
    print line " " rp[2] " |"
  }
  print ""
}

BEGIN {
  # Per workload: the columns shown, as metric|heading pairs.
  M["relay"] = "msgs_per_s|msgs/s;server_cpu_us_per_msg|server CPU µs/msg;server_cpu_pct|server CPU %;latency_p50_us|p50 µs;latency_p99_us|p99 µs;latency_max_us|max µs"
  M["ping"] = "latency_p50_us|p50 µs;latency_p99_us|p99 µs;latency_max_us|max µs;server_cpu_us_per_msg|server CPU µs/msg"
  M["fanout"] = "lines_per_s|lines/s;server_cpu_us_per_line|server CPU µs/line;server_cpu_pct|server CPU %;latency_p50_us|p50 µs;latency_p99_us|p99 µs"
  M["idle"] = "server_rss_kib_per_conn|server RSS KiB/conn;server_rss_kib_after|server RSS KiB;logins_per_s|setup logins/s;server_cpu_us_per_login|server CPU µs/login"
  M["login"] = "logins_per_s|logins/s;server_cpu_us_per_login|server CPU µs/login;login_latency_p50_us|login p50 µs;login_latency_p99_us|login p99 µs"
  M["slowreader"] = "msgs_per_s|others' msgs/s;server_cpu_us_per_msg|server CPU µs/msg;latency_p99_us|others' p99 µs;slow_cut_off_n|slow one cut off"
  M["slowreader-baseline"] = "msgs_per_s|msgs/s;server_cpu_us_per_msg|server CPU µs/msg;latency_p99_us|p99 µs"
  T["relay"] = "relay: P pairs, each sender keeps W messages in flight to its receiver"
  T["ping"] = "ping: one pair, one message in flight (one-way latency)"
  T["fanout"] = "fanout: N users in one group (IRC: a channel), K of them broadcasting"
  T["idle"] = "idle: C logged-in connections saying nothing"
  T["login"] = "login: storm of connect, login, logout with a bounded number in flight"
  T["slowreader"] = "slowreader: pairs relaying while one receiver stops reading and its sender floods it"
  T["slowreader-baseline"] = "slowreader-baseline: the same pairs, everyone reading"
  M["presence-storm"] = "logins|logins;presence_lines|presence lines;storm_s|storm s;logins_per_s|logins/s;server_cpu_ms_per_login|server CPU ms/login;server_cpu_us_per_presence_line|server CPU µs/presence line;login_latency_p50_us|login p50 µs;login_latency_p99_us|login p99 µs"
  T["presence-storm"] = "presence-storm: N users log in one after another while everyone stays online (msgserver only: each login is a presence line to every other user)"
  # The one figure per workload to put side by side (lower is better for each).
  KEY["relay"] = "server_cpu_us_per_msg|server CPU µs per delivered message"
  KEY["fanout"] = "server_cpu_us_per_line|server CPU µs per delivered line"
  KEY["ping"] = "latency_p99_us|p99 one-way latency, µs"
  KEY["idle"] = "server_rss_kib_per_conn|server RSS KiB per idle connection"
  KEY["login"] = "server_cpu_us_per_login|server CPU µs per login"
  KEY["slowreader"] = "latency_p99_us|others' p99 latency with a slow reader, µs"
  KEY["presence-storm"] = "server_cpu_ms_per_login|server CPU ms per login, presence to everyone online"
  # The summary's rows: metric|target (issue 11), and its server columns in the issue's order.
  SUMMARY["relay"] = "server_cpu_us_per_msg|**≤ 1.5x ceiling**"
  SUMMARY["fanout"] = "server_cpu_us_per_line|**≤ 1.5x ceiling**"
  SUMMARY["ping"] = "latency_p50_us|keep"
  SUMMARY["idle"] = "server_rss_kib_per_conn|**< 1.8**"
  SUMMARY["presence-storm"] = "server_cpu_ms_per_login|**≤ 2.5 ms**"
  split("ceiling inspircd ngircd msgserver", SUMMARY_SERVERS, " ")
}

/^\{/ {
  parse($0)
  w = F["workload"]; s = F["server"]
  if (w == "" || s == "") next
  remember(WORKLOADS, w, "w")
  remember(SERVERS, s, "s")
  RUNS[w, s]++
  split("pairs window users senders connections", sizes, " ")
  for (i in sizes) if ((sizes[i] in F) && !((w, sizes[i]) in SIZE)) SIZE[w, sizes[i]] = F[sizes[i]]
  if (F["ok"] == "true") OKS[w, s]++
  if (F["ok"] != "true") FAILS[++NFAIL] = "rep " F["rep"] ", " w ", " s ": " (F["first_error"] != "" ? F["first_error"] : "not exactly-once or errors; see the raw JSON")
  if (F["ok"] != "true") next  # a failed run's figures describe the failure, not the server
  if ("slow_cut_off" in F) F["slow_cut_off_n"] = (F["slow_cut_off"] == "true") ? 1 : 0
  for (m in F) {
    if (F[m] ~ /^-?[0-9.]+$/) {
      k = w SUBSEP s SUBSEP m
      V[k, ++NV[k]] = F[m]
    }
  }
}

END {
  if (COUNT["w"] == 0) { print "No results."; exit }
  print_summary()
  print "### Side by side (medians of the correct runs; lower is better)"
  print ""
  line = "| workload | figure |"
  sep = "|---|---|"
  for (j = 1; j <= COUNT["s"]; j++) { line = line " " display(SERVERS[j]) " |"; sep = sep "---|" }
  if (("s", "msgserver") in SEEN)
    for (j = 1; j <= COUNT["s"]; j++) if (SERVERS[j] != "msgserver") { line = line " msgserver / " display(SERVERS[j]) " |"; sep = sep "---|" }
  print line; print sep
  for (i = 1; i <= COUNT["w"]; i++) {
    w = WORKLOADS[i]
    if (!(w in KEY)) continue
    split(KEY[w], kp, "|")
    line = "| " w " | " kp[2] " |"
    for (j = 1; j <= COUNT["s"]; j++) {
      k = w SUBSEP SERVERS[j] SUBSEP kp[1]
      MED[j] = (k in NV) ? median_of(k) : ""
      line = line " " ((k in NV) ? fmt(MED[j]) : "-") " |"
    }
    if (("s", "msgserver") in SEEN) {
      for (j = 1; j <= COUNT["s"]; j++) if (SERVERS[j] == "msgserver") ms = MED[j]
      for (j = 1; j <= COUNT["s"]; j++) {
        if (SERVERS[j] == "msgserver") continue
        line = line " " ((ms != "" && MED[j] != "" && MED[j] > 0) ? sprintf("%.2fx", ms / MED[j]) : "-") " |"
      }
    }
    print line
  }
  print ""
  for (i = 1; i <= COUNT["w"]; i++) {
    w = WORKLOADS[i]
    print "### " ((w in T) ? T[w] : w)
    print ""
    n = split((w in M) ? M[w] : "", cols, ";")
    line = "| server | correct runs |"
    sep = "|---|---|"
    for (c = 1; c <= n; c++) { split(cols[c], cp, "|"); line = line " " cp[2] " |"; sep = sep "---|" }
    print line; print sep
    for (j = 1; j <= COUNT["s"]; j++) {
      s = SERVERS[j]
      if (!((w, s) in RUNS)) continue
      line = "| " display(s) " | " (OKS[w, s] + 0) "/" RUNS[w, s] " |"
      for (c = 1; c <= n; c++) { split(cols[c], cp, "|"); line = line " " cell(w, s, cp[1]) " |" }
      print line
    }
    print ""
  }
  if (NFAIL > 0) {
    print "Runs that were not correct (loss, duplicates, reordering, errors or time-outs):"
    print ""
    for (i = 1; i <= NFAIL; i++) print "- " FAILS[i]
    print ""
  }
}
