# Shell functions the benchmark scripts share; sourced from the repository's root. TARGETS (an array) names the
# targets a run measures.

# The targets in the order of turn $1 (a round of paced streams, or a slice of a throughput round): a row of a
# balanced Latin square (0, 1, n-1, 2, n-2, ... shifted by the turn), so that over as many turns in a row as
# targets each takes every place once and follows every other target once.
# In a fixed order a target's place, or the target before it, may weigh on its figures: the TTFT p50 at 1,000
# streams fell with the place in two runs (nginx, HAProxy, Sluice at 28, 18 and 16 ms; in the order direct, Sluice,
# nginx, HAProxy at 24, 16 and 8 ms), though not in three others. Varied, such a bias falls on every target alike.
targets_of_round() {
  local n=${#TARGETS[@]} i step
  local turn=$(( ($1 - 1) % n ))
  for (( i = 0; i < n; i++ )); do
    # Odd places step forward, even ones back from n (the first place's n is 0 modulo n).
    if (( i % 2 == 1 )); then step=$(( (i + 1) / 2 )); else step=$(( n - i / 2 )); fi
    echo "${TARGETS[(step + turn) % n]}"
  done
}

wait_for() {  # port
  for _ in $(seq 1 200); do
    curl -s -o /dev/null "http://127.0.0.1:$1/health" && return 0
    sleep 0.05
  done
  echo "nothing answers on port $1" >&2
  return 1
}

# Starts the model server of backend-conf.sh on CPU 0, and nginx (conf/nginx-bench.conf), HAProxy
# (conf/haproxy-bench.cfg) and Sluice ($SLUICE_JAR, bench/sluice-bench.yaml) on CPU 1, pinned as run.sh pins them,
# with their logs in a new directory W; keeps their pids in PIDS (a script adds its own), which are stopped, and W
# removed, when the script exits. Waits until each answers; one that does not ends the script with the logs.
start_targets() {
  W=$(mktemp -d)
  PIDS=()
  trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$W"' EXIT
  bench/backend-conf.sh "$W" > "$W/backend.conf"
  taskset -c 0 nginx -c "$W/backend.conf" > /dev/null 2>&1 & PIDS+=($!)
  taskset -c 1 nginx -c "$PWD/conf/nginx-bench.conf" -e "$W/nginx-error.log" > /dev/null 2>&1 & PIDS+=($!)
  taskset -c 1 haproxy -db -f conf/haproxy-bench.cfg > "$W/haproxy.log" 2>&1 & PIDS+=($!)
  SLUICE_PORT=9200 SPOOL_DIR="$W/spool" taskset -c 1 java -Xms512m -Xmx512m -XX:+AlwaysPreTouch \
    -Dlogback.configurationFile=bench/logback-bench.xml -jar "$SLUICE_JAR" --config bench/sluice-bench.yaml \
    > "$W/sluice.log" 2>&1 & PIDS+=($!)
  local port
  for port in 9100 9200 9300 9400; do
    wait_for "$port" || { cat "$W"/*.log >&2; exit 1; }
  done
}

# The pieces of a warm-up of $1 seconds, one line each: loads of WARM_PIECE seconds, each on connections of its own.
# The JIT must see connections close and open before a measure: after one long load, the first close and accept sent
# it back to the hottest methods, compiled without those paths, and it compiled them again in the measure (C2 3.5-4.2
# µs per request of the next 10 s of JSON; 0.15-0.25 after five pieces; bench/RESULTS.md, "2026-12-06, night").
WARM_PIECE=5
warm_pieces() { seq $(( ($1 + WARM_PIECE - 1) / WARM_PIECE )); }

# A process and its children (an nginx master and its workers), as one list of pids.
with_children() { echo "$1 $(pgrep -P "$1" | tr '\n' ' ')"; }

# The clock ticks per second that cpu_ticks and the others count in.
TICKS_PER_SECOND=$(getconf CLK_TCK)
# CPU time in clock ticks (user + system, all threads) the given processes have used so far.
cpu_ticks() { stat_ticks '$14 + $15' "$@"; }
# The same in user mode only.
user_ticks() { stat_ticks '$14' "$@"; }
# The sum over the given processes of an awk expression of their /proc/PID/stat fields.
stat_ticks() {  # expression pid...
  local expression=$1 total=0 pid
  shift
  for pid in "$@"; do
    total=$(( total + $(awk "{print $expression}" "/proc/$pid/stat") ))
  done
  echo "$total"
}

# CPU time in clock ticks of the JVM $1's compiler threads (C1, C2), then of its VM and collector threads: the VM
# thread runs safepoint operations, and the pauses of the serial collector, which the JVM picks on one CPU; G1's
# threads, on more, are named "GC Thread#N" and "G1 ...". The name is what lies between the first "(" and the last
# ")" of a thread's stat line; utime and stime are the 12th and 13th fields after it.
jvm_ticks() {  # pid
  cat /proc/"$1"/task/*/stat 2>/dev/null | awk '
    { comm = $0; sub(/\) [^)]*$/, "", comm); sub(/^[0-9]+ \(/, "", comm)
      rest = $0; sub(/.*\) /, "", rest); split(rest, f, " "); t = f[12] + f[13] }
    comm ~ /^C[12] CompilerThre/ { jit += t } comm == "VM Thread" || comm ~ /^(GC Thread#|G1 )/ { vm += t }
    END { printf "%d %d", jit, vm }'
}
