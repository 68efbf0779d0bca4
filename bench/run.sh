#!/usr/bin/env bash
# Measures Sluice against direct access to the model server, nginx and HAProxy, on this machine, in one run, and
# writes the tables to bench/RESULTS.md (keeping its hand-written analysis, from "## What limits Sluice" on).
#
#   bench/run.sh                                  # DURATION=10 seconds per load (throughput loads in SLICES=5
#                                                 # slices), ROUNDS=3 of each throughput load, STREAM_ROUNDS=5
#                                                 # of the 1,000 paced streams
#   SLUICE_JAR=other/sluice.jar bench/run.sh      # the same with another build of Sluice, for before and after
#   ONLY=throughput bench/run.sh                  # just the wrk and h2load tables (ONLY=streams, ONLY=memory)
#
# The model server is nginx serving pre-rendered answers (bench/backend-conf.sh): events flushed one by one as
# vLLM sends them, the same events in a few large writes, and a small JSON answer. It shares LOAD_CPU with the
# load generators; each proxy gets one worker (Sluice one event loop, nginx one worker process, HAProxy one
# thread) pinned to PROXY_CPU, so what differs between rows is only the proxy. Besides requests per second, each
# throughput row gives requests per CPU-second: requests served divided by the CPU time (user + system, from
# /proc) the proxy's processes used during the run, which shows the cost of a request even where the load side
# saturates first. This machine's speed drifts by a quarter from one 10-second run to the next (nginx alike), so
# every throughput load runs ROUNDS times, the targets in turn within each round, SLICES times over in slices of
# DURATION / SLICES seconds (in an order that changes from slice to slice, see targets_of_round in
# bench/common.sh), and the table shows the round with the median requests per CPU-second and the Sluice / nginx
# ratio of every round (the 1,000 paced streams likewise, STREAM_ROUNDS times, by TTFT p99). The run warns when
# direct access is not clearly faster than the fastest proxy (then the table measures the backend, not the
# proxies), and when paced streams fall behind their 20 ms pace. nginx, its echo module, HAProxy, wrk and h2load
# come from Debian's packages and are installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh

DURATION=${DURATION:-10}
PROXY_CPU=${PROXY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
# A round gives each target its DURATION of a throughput load in SLICES slices, the targets taking turns slice by
# slice, so that the slices of a round see the same spells of the machine. The same jar against itself, side by
# side (bench/ab.sh; SHAPES=json H2=1, D=10 ROUNDS=8 against D=2 ROUNDS=40 added up five rounds at a time),
# requests per CPU-second, moved 0.63-1.12 over HTTP/1.1 in eight rounds of 10 s each and 0.94-1.08 in eight of
# five 2-second slices each; over h2 0.81-1.03 and 0.85-1.03.
SLICES=${SLICES:-5}
if ! [[ $SLICES =~ ^[1-9][0-9]*$ ]]; then
  echo "SLICES must be a whole number above 0" >&2
  exit 2
fi
SLICES=$(( SLICES > DURATION ? DURATION : SLICES ))
if (( DURATION % SLICES != 0 )); then
  echo "DURATION ($DURATION) must be a multiple of SLICES ($SLICES)" >&2
  exit 2
fi
SLICE_SECONDS=$(( DURATION / SLICES ))
# The 1,000 paced streams' TTFT p99 swings more from round to round than any throughput figure (direct access:
# 71-144 ms within one run), so its median is taken over more rounds.
STREAM_ROUNDS=${STREAM_ROUNDS:-5}
WARMUP=${WARMUP:-5}   # seconds of each load per target before measuring
# Sluice's own, longer: its figure on a load settles only after about 20 s of that load (the JIT compiles on the
# proxy's core; rounds of one JVM, 10 s each, two-write stream: 3.5k, 19k, then 23.7k-26.5k requests per
# CPU-second).
SLUICE_WARMUP=${SLUICE_WARMUP:-20}
ONLY=${ONLY:-all}
BACKEND=9100       # and 9101 for h2
SLUICE=9200
NGINX=9300         # and 9301 for h2
HAPROXY=9400       # and 9401 for h2
CHAT=/v1/chat/completions
IDLE_STREAMS=2000
BENCH_JAR=bench/target/benchmarks.jar
SLUICE_JAR=${SLUICE_JAR:-gateway/target/sluice.jar}
JAVA_OPTS=(-Xms512m -Xmx512m -Dlogback.configurationFile=bench/logback-bench.xml)
WORK=$(mktemp -d)
PIDS=()
TARGETS=(direct nginx haproxy sluice)
PROXIES=(nginx haproxy sluice)

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for file in /tmp/sluice-bench-nginx.pid "$WORK/backend.pid"; do
    kill "$(cat "$file" 2>/dev/null)" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

install_tools() {
  local missing=()
  command -v nginx >/dev/null || missing+=(nginx-light)
  [ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || missing+=(libnginx-mod-http-echo)
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v h2load >/dev/null || missing+=(nghttp2-client)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} from Debian's packages"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# Milliseconds from launching Sluice to its first answered request, the median of five starts; extra JVM
# options (such as a class data sharing archive) come as arguments.
measure_startup() {
  local times=()
  for _ in 1 2 3 4 5; do
    local start
    start=$(date +%s%N)
    taskset -c "$PROXY_CPU" java "${JAVA_OPTS[@]}" "$@" -jar "$SLUICE_JAR" --config bench/sluice-bench.yaml \
      >/dev/null 2>&1 &
    local pid=$!
    local tries=0
    until curl -s -o /dev/null "http://127.0.0.1:$SLUICE/health"; do
      sleep 0.005
      tries=$(( tries + 1 ))
      [ "$tries" -lt 2000 ] || { echo "Sluice did not start" >&2; kill "$pid"; return 1; }
    done
    times+=($(( ($(date +%s%N) - start) / 1000000 )))
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}

# Runs a load command and prints its output followed by the CPU-seconds the target's processes used meanwhile; for
# Sluice then the CPU-seconds of its compilers and of its VM and collector threads, so that a round that still
# compiled shows.
with_cpu() {  # target command...
  local target=$1
  shift
  local before after jvm_before jvm_after
  before=$(cpu_ticks ${PROCS[$target]})
  [ "$target" = sluice ] && jvm_before=$(jvm_ticks "$SLUICE_PID")
  "$@"
  after=$(cpu_ticks ${PROCS[$target]})
  [ "$target" = sluice ] && jvm_after=$(jvm_ticks "$SLUICE_PID")
  awk -v t=$(( after - before )) -v hz="$TICKS_PER_SECOND" 'BEGIN { printf " %.2f", t / hz }'
  if [ "$target" = sluice ]; then
    awk -v b="$jvm_before" -v a="$jvm_after" -v hz="$TICKS_PER_SECOND" \
      'BEGIN { split(b, x, " "); split(a, y, " "); printf " %.2f %.2f", (y[1] - x[1]) / hz, (y[2] - x[2]) / hz }'
  fi
  echo
}

# wrk: requests per second, average and p99 latency, requests served; "-" for each that a failed load did not print,
# so that the fields after them keep their places.
run_wrk() {  # url stream(0|1) [close: a new connection per request]
  local close=()
  [ "${3:-}" = close ] && close=(-H "Connection: close")
  STREAM=$2 taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${close[@]}" \
    -s bench/post.lua "$1" \
    | awk '/Requests\/sec/ {rps=$2} /^    Latency/ {avg=$2} /^ +99%/ {p99=$2} / requests in / {n=$1}
           /Non-2xx/ {bad=$NF} END {printf "%s %s %s %s %s", d(rps), d(avg), d(p99), d(n), bad + 0}
           function d(v) { return v == "" ? "-" : v }'
}

# h2load: requests per second and requests served (cleartext HTTP/2 with prior knowledge), "-" where missing.
run_h2load() {  # url body
  # No --warm-up-time: every path was warmed before, and the requests counted must span the CPU time measured.
  taskset -c "$LOAD_CPU" h2load -D "$DURATION" -c 16 -m 8 -d "$2" \
    -H 'content-type: application/json' "$1" \
    | awk '/^finished in/ {gsub(",", "", $4); rps=$4} /^requests:/ {n=$8} END {printf "%s %s", d(rps), d(n)}
           function d(v) { return v == "" ? "-" : v }'
}

# The streaming load generator: TTFT and token-gap percentiles (us) with N streams open. One JVM runs every paced
# load of the run (StreamLoad -, a load per line on its standard input), so that it compiles its code during the
# warm-up loads: a fresh JVM per load had its compilers on LOAD_CPU, which it shares with the model server, in the
# seconds it measured (a third of the core in a load's first 6 s). Its heap is fixed, pre-touched and mostly young,
# and it collects between loads, so that it neither collects nor faults in pages while it measures (its own pauses
# had decided the TTFT p99 at 1,000 streams of every target alike: nginx 44-108 ms from run to run).
start_stream_load() {
  mkfifo "$WORK/streams.in" "$WORK/streams.out"
  taskset -c "$LOAD_CPU" java -Xms2g -Xmx2g -Xmn1536m -XX:+AlwaysPreTouch -cp "$BENCH_JAR" \
    io.sluice.bench.StreamLoad - <"$WORK/streams.in" >"$WORK/streams.out" 2>"$WORK/streams.err" &
  PIDS+=($!)
  # In the order the generator opens them, or both ends would wait for each other.
  exec {STREAMS_IN}>"$WORK/streams.in" {STREAMS_OUT}<"$WORK/streams.out"
}

run_streams() {  # url streams
  local line=""
  echo "$1 $2 $DURATION" >&"$STREAMS_IN"
  # Up to its RESULT line. A generator that died or hangs ends the run: the loads after it would have no generator,
  # or read the answer to the load before.
  while IFS= read -r -t $(( DURATION + 300 )) -u "$STREAMS_OUT" line && [[ $line != RESULT* ]]; do :; done
  if [[ $line != RESULT* ]]; then
    log "ERROR: the streaming load generator gave no result for $1 ($2 streams); its errors:"
    cat "$WORK/streams.err" >&2
    exit 1
  fi
  [[ $line == "RESULT error="* ]] && log "WARNING: the streaming load generator refused $1: ${line#RESULT }"
  awk '/^RESULT/ {for (i = 2; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}
       print v["ttft_p50_us"], v["ttft_p99_us"], v["gap_p50_us"], v["gap_p99_us"], v["streams_done"], v["failed"]}' \
    <<<"$line"
}

# Memory added per open stream (KiB) through a proxy, client and backend side together: the growth of the resident
# set of its processes, the same measure for every proxy; and for a JVM (jvm=1) also the growth of what it holds
# (live heap after a full collection plus NMT's "Other", where Netty's direct buffers are). A JVM's heap is resident
# from its start (-XX:+AlwaysPreTouch), so its resident set shows none of the heap's growth, and that growth (live
# heap after a full collection) is added to it. Without the pre-touch, the resident set grew also by the fresh pages
# the young generation's allocations first touched while the streams opened, more or fewer from run to run: 8.2,
# 13.4 and 9.4 KiB per stream in three runs of one data path, whose held memory was 8.3-10.0. A JVM's resident set is
# read after it has handed back to the kernel the native memory its allocator keeps freed (System.trim_native_heap):
# the JIT's arenas, freed after the compilations that opening the streams set off, stayed resident otherwise, and
# moved the figure from half to all between 8.5 and 23.5 KiB per stream in six runs of one build whose live heap
# and direct memory grew by 7.6 in each.
#
# Half of IDLE_STREAMS are opened and held, then the other half beside them. The figure is the growth from half to
# all, per stream added: what one more open stream costs a process that already holds many. The growth from none to
# all is printed too; it also charges the streams with one-off costs of a fresh process (for a JVM: the code the JIT
# compiles for the path, its compiler's arenas, the allocator's first pool chunks). A half that needs a new 4 MiB
# chunk of Netty's pool where the other does not moves the held figure by 4 KiB per stream, and the first by up to
# that (by the chunk's pages the streams touch). Both loads hold their streams until they are killed below.
# Prints: added per stream from half to all, from none to all, and (jvm=1) held per stream from half to all.
idle_memory() {  # url jvm(0|1) pids...
  local url=$1 jvm=$2
  shift 2
  local half=$((IDLE_STREAMS / 2)) held="0 0" step
  # Resident set, held memory and open streams: before, with one half open, with both.
  local rss=() opened=() loads=()
  [ "$jvm" = 1 ] && held=$(jvm_held_kib "$1")
  rss+=("$(rss_total "$@")")
  for step in 1 2; do
    taskset -c "$LOAD_CPU" java -cp "$BENCH_JAR" io.sluice.bench.StreamLoad "$url$CHAT?shape=idle" \
      "$half" 60 hold >/dev/null &
    loads+=($!)
    sleep 15
    if [ "$jvm" = 1 ]; then held="$held $(jvm_held_kib "$1")"; else held="$held 0 0"; fi
    rss+=("$(rss_total "$@")")
    opened+=("$(open_streams "$url")")
  done
  kill "${loads[@]}"; wait "${loads[@]}" 2>/dev/null || true
  # Every stream must be open through the proxy, or the growth would be shared by streams it does not hold.
  if [ "${opened[0]}" -lt "$half" ] || [ "${opened[1]}" -lt "$IDLE_STREAMS" ]; then
    log "WARNING: only ${opened[0]} of $half, then ${opened[1]} of $IDLE_STREAMS idle streams were open through $url"
    echo "- - -"
    return
  fi
  # A figure jcmd did not give must not count as 0.
  if [[ ! "$held" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]]; then
    log "WARNING: jcmd did not give $url's heap and native memory"
    echo "- - -"
    return
  fi
  awk -v m0="${rss[0]}" -v m1="${rss[1]}" -v m2="${rss[2]}" -v h="$held" -v half="$half" -v n="$IDLE_STREAMS" \
    'BEGIN { split(h, v, " ")  # heap and other, before, at half, at all
             printf "%.1f %.1f %.1f", (m2 - m1 + v[5] - v[3]) / (n - half), (m2 - m0 + v[5] - v[1]) / n,
               (v[5] - v[3] + v[6] - v[4]) / (n - half) }'
}
open_streams() { ss -Htn state established "( sport = :${1##*:} )" | wc -l; }
rss_total() { local total=0 pid; for pid in "$@"; do total=$(( total + $(rss_kib "$pid") )); done; echo "$total"; }
jvm_held_kib() {  # pid: the live heap and NMT's "Other", KiB; then the freed native memory goes back to the kernel
  local heap other
  # The live objects' bytes, which the class histogram counts after a full collection. The generations' "used"
  # after GC.run also counted the allocation buffers the threads took right after it (4-6 MB of eden, more or less
  # from one reading to the next), and moved this figure by several KiB per stream.
  heap=$(jcmd "$1" GC.class_histogram | awk '$1 == "Total" {printf "%d", $3 / 1024}')
  other=$(jcmd "$1" VM.native_memory summary | grep -E '^-\s+Other' | grep -oE 'committed=[0-9]+KB' \
    | grep -oE '[0-9]+')
  jcmd "$1" System.trim_native_heap >/dev/null 2>&1 || true
  echo "${heap:--} ${other:--}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "" || a == "-") print "-"; else printf "%.2f", a / b }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a - b }'; }
per_cpu() {
  awk -v n="$1" -v s="$2" 'BEGIN { if (s + 0 == 0 || n == "" || n == "-") print "-"; else printf "%.0f", n / s }'
}
field() { echo "${RESULT[$1]:-}" | awk -v i="$2" '{print $i}'; }
or_dash() { echo "${1:--}"; }
# Where a throughput result holds the requests served and the CPU-seconds: wrk "rps avg p99 n non2xx cpu",
# h2load "rps n cpu"; Sluice's then go on with its compilers' and its VM and collector threads' CPU-seconds
# (with_cpu).
n_field() { [ "$1" = h2 ] && echo 2 || echo 4; }
cpu_field() { [ "$1" = h2 ] && echo 3 || echo 6; }
# A round's result from its slices, in the fields of one load's (n_field, cpu_field): requests, CPU-seconds and
# error answers summed, and Sluice's compiler and VM seconds; requests/s as all the requests over all the slices'
# time; wrk's latency as the middle slice's, as wrk printed it. A slice that served nothing, or gave no result,
# makes the round's requests "-", as a failed load's; every field keeps its place.
round_of_slices() {  # wrk|h2 key
  local slice
  for slice in $(seq "$SLICES"); do echo "${RESULT[${2}_$slice]:-}"; done \
    | awk -v wrk=$([ "$1" = wrk ] && echo 1 || echo 0) -v nf="$(n_field "$1")" -v cf="$(cpu_field "$1")" \
      -v mid=$(( (SLICES + 1) / 2 )) '
    BEGIN { avg = p99 = "-" }
    { n = $nf; if ($1 + 0 <= 0 || n + 0 <= 0) failed = 1; else time += n / $1
      served += n; cpu += $cf; jit += $(cf + 1); vm += $(cf + 2); jvm += (NF == cf + 2)
      if (wrk) { bad += $5; if (NR == mid && NF) { avg = $2; p99 = $3 } } }
    END {
      out = failed ? "-" : sprintf("%.2f", served / time)
      if (wrk) out = out " " avg " " p99
      out = out " " (failed ? "-" : sprintf("%d", served))
      if (wrk) out = out sprintf(" %d", bad)
      out = out sprintf(" %.2f", cpu)
      if (jvm == NR) out = out sprintf(" %.2f %.2f", jit, vm)
      print out }'
}

install_tools
if [ ! -f "$BENCH_JAR" ] || [ ! -f "$SLUICE_JAR" ]; then
  log "building"
  mvn -q -DskipTests package
fi

STARTUP_MS=-; STARTUP_CDS_MS=-
if [ "$ONLY" = all ]; then
  log "start-up"
  STARTUP_MS=$(measure_startup)
  java "${JAVA_OPTS[@]}" -XX:ArchiveClassesAtExit="$WORK/sluice.jsa" -jar "$SLUICE_JAR" \
    --config bench/sluice-bench.yaml >/dev/null 2>&1 &
  CDS_PID=$!
  wait_for "$SLUICE"
  curl -s -o /dev/null "http://127.0.0.1:$SLUICE$CHAT" -d '{"model":"m"}' || true
  kill "$CDS_PID"; wait "$CDS_PID" 2>/dev/null || true
  STARTUP_CDS_MS=$(measure_startup -XX:SharedArchiveFile="$WORK/sluice.jsa")
fi

log "starting the model server, nginx, HAProxy and Sluice"
bench/backend-conf.sh "$WORK" >"$WORK/backend.conf"
taskset -c "$LOAD_CPU" nginx -c "$WORK/backend.conf" >"$WORK/backend.log" 2>&1 &
PIDS+=($!)
taskset -c "$PROXY_CPU" nginx -c "$PWD/conf/nginx-bench.conf" -e /tmp/sluice-bench-nginx-error.log \
  >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)
taskset -c "$PROXY_CPU" haproxy -db -f conf/haproxy-bench.cfg >"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!
PIDS+=("$HAPROXY_PID")
# The heap's pages are touched at start (as a long-running gateway's are after its first minutes): untouched, the
# first young collections under 1,000 streams took 70-190 ms, mostly faulting in survivor and old-generation pages.
# The memory test's Sluice (below) has them touched too, and adds its live heap's growth to its resident set's.
taskset -c "$PROXY_CPU" java "${JAVA_OPTS[@]}" -XX:+AlwaysPreTouch -jar "$SLUICE_JAR" --config bench/sluice-bench.yaml \
  >"$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
PIDS+=("$SLUICE_PID")
wait_for "$BACKEND"
wait_for "$SLUICE"
sleep 1
NGINX_MASTER=$(cat /tmp/sluice-bench-nginx.pid)
BACKEND_MASTER=$(cat "$WORK/backend.pid")

declare -A URL=([direct]="http://127.0.0.1:$BACKEND" [nginx]="http://127.0.0.1:$NGINX"
  [haproxy]="http://127.0.0.1:$HAPROXY" [sluice]="http://127.0.0.1:$SLUICE")
declare -A H2=([direct]="http://127.0.0.1:$((BACKEND + 1))" [nginx]="http://127.0.0.1:$((NGINX + 1))"
  [haproxy]="http://127.0.0.1:$((HAPROXY + 1))" [sluice]="http://127.0.0.1:$SLUICE")
# The processes whose CPU time and memory count for each target (direct: the model server's).
declare -A PROCS=([direct]="$(with_children "$BACKEND_MASTER")" [nginx]="$(with_children "$NGINX_MASTER")"
  [haproxy]="$HAPROXY_PID" [sluice]="$SLUICE_PID")
declare -A SHAPE_NAME=([events]="7 KB stream, an event per write" [writes]="7 KB stream, two large writes"
  [json]="452 B JSON answer")
declare -A RESULT
SHAPES=(events writes json)
body_of() { [ "$1" = json ] && echo bench/json-body.json || echo bench/stream-body.json; }
stream_of() { [ "$1" = json ] && echo 0 || echo 1; }

# Memory first, while every proxy is as fresh as the JVM measured for Sluice.
if [ "$ONLY" = all ] || [ "$ONLY" = memory ]; then
  log "memory per open stream"
  RESULT[mem_nginx]=$(idle_memory "${URL[nginx]}" 0 ${PROCS[nginx]})
  RESULT[mem_haproxy]=$(idle_memory "${URL[haproxy]}" 0 ${PROCS[haproxy]})
  # A fresh Sluice with native memory tracking, which the throughput runs go without.
  SLUICE_PORT=9201 taskset -c "$PROXY_CPU" java "${JAVA_OPTS[@]}" -XX:+AlwaysPreTouch \
    -XX:NativeMemoryTracking=summary -jar "$SLUICE_JAR" --config bench/sluice-bench.yaml >"$WORK/sluice-nmt.log" 2>&1 &
  NMT_PID=$!
  PIDS+=("$NMT_PID")
  wait_for 9201
  RESULT[mem_sluice]=$(idle_memory "http://127.0.0.1:9201" 1 "$NMT_PID")
fi
if [ "$ONLY" = all ] || [ "$ONLY" = throughput ]; then
  log "warming up every path of every target (the JIT shares the proxy's single core)"
  for target in "${TARGETS[@]}"; do
    warm=$WARMUP; [ "$target" = sluice ] && warm=$SLUICE_WARMUP
    for shape in "${SHAPES[@]}"; do
      DURATION=$warm run_wrk "${URL[$target]}$CHAT?shape=$shape" "$(stream_of $shape)" >/dev/null
      DURATION=$warm run_h2load "${H2[$target]}$CHAT?shape=$shape" "$(body_of $shape)" >/dev/null
    done
  done
  # Rounds, each target in turn within a round, slice by slice, so that a slow spell of the machine falls on every
  # target alike.
  for round in $(seq "$ROUNDS"); do
    for shape in "${SHAPES[@]}"; do
      for slice in $(seq "$SLICES"); do
        for target in $(targets_of_round $(( (round - 1) * SLICES + slice ))); do
          log "round $round, slice $slice: wrk $shape $target"
          RESULT[wrk_${shape}_${target}_${round}_$slice]=$(DURATION=$SLICE_SECONDS with_cpu "$target" run_wrk \
            "${URL[$target]}$CHAT?shape=$shape" "$(stream_of $shape)")
          log "round $round, slice $slice: h2load $shape $target"
          RESULT[h2_${shape}_${target}_${round}_$slice]=$(DURATION=$SLICE_SECONDS with_cpu "$target" run_h2load \
            "${H2[$target]}$CHAT?shape=$shape" "$(body_of $shape)")
        done
      done
      for target in "${TARGETS[@]}"; do
        RESULT[wrk_${shape}_${target}_$round]=$(round_of_slices wrk "wrk_${shape}_${target}_$round")
        RESULT[h2_${shape}_${target}_$round]=$(round_of_slices h2 "h2_${shape}_${target}_$round")
      done
    done
  done
  # Each cell shows the round with the median requests per CPU-second.
  for tool in wrk h2; do
    for shape in "${SHAPES[@]}"; do
      for target in "${TARGETS[@]}"; do
        pick=$(for round in $(seq "$ROUNDS"); do
                 key="${tool}_${shape}_${target}_$round"
                 echo "$(per_cpu "$(field "$key" "$(n_field $tool)")" "$(field "$key" "$(cpu_field $tool)")") $round"
               done | sort -g | awk -v m=$(( (ROUNDS + 1) / 2 )) 'NR == m {print $2}')
        RESULT[${tool}_${shape}_$target]=${RESULT[${tool}_${shape}_${target}_$pick]}
      done
    done
  done
fi
if [ "$ONLY" = all ] || [ "$ONLY" = streams ]; then
  # At the 1,000 streams measured below, so that every proxy's upstream connections are open before the first
  # round (Sluice's first round after start otherwise opened a thousand of them under its streams), and so that
  # the load generator has compiled its code.
  start_stream_load
  for target in "${TARGETS[@]}"; do
    warm=$WARMUP; [ "$target" = sluice ] && warm=$SLUICE_WARMUP
    # Each round of paced streams opens a thousand connections, and the throughput loads keep theirs open: without
    # a load that opens and closes them, Sluice's accept path was first compiled during its first rounds.
    DURATION=$warm run_wrk "${URL[$target]}$CHAT?shape=json" 0 close >/dev/null
    DURATION=$warm run_streams "${URL[$target]}$CHAT?shape=paced" 1000 >/dev/null
  done
  log "100 paced streams"
  for target in "${TARGETS[@]}"; do
    RESULT[streams_100_$target]=$(run_streams "${URL[$target]}$CHAT?shape=paced" 100)
  done
  # At 1,000 streams one stall of the machine decides a run's TTFT p99, so this load runs STREAM_ROUNDS times, the
  # targets in turn within each round (targets_of_round), and the table shows each target's round with the median
  # TTFT p99.
  for round in $(seq "$STREAM_ROUNDS"); do
    for target in $(targets_of_round "$round"); do
      log "round $round: 1000 paced streams $target"
      RESULT[streams_1000_${target}_$round]=$(run_streams "${URL[$target]}$CHAT?shape=paced" 1000)
    done
  done
  for target in "${TARGETS[@]}"; do
    # A round without a TTFT (StreamLoad prints -1 when no stream was measured) sorts as the slowest.
    pick=$(for round in $(seq "$STREAM_ROUNDS"); do
             p99=$(field "streams_1000_${target}_$round" 2)
             [ -n "$p99" ] && [ "$p99" -ge 0 ] || p99=999999999
             echo "$p99 $round"
           done | sort -g | awk -v m=$(( (STREAM_ROUNDS + 1) / 2 )) 'NR == m {print $NF}')
    RESULT[streams_1000_$target]=${RESULT[streams_1000_${target}_${pick:-1}]}
    RESULT[streams_1000_${target}_all]=$(for round in $(seq "$STREAM_ROUNDS"); do
                                          echo "$(field "streams_1000_${target}_$round" 2)"; done | paste -sd/)
  done
fi

# One throughput table (wrk over HTTP/1.1 or h2load over h2): requests/s and requests per CPU-second.
throughput_table() {  # wrk|h2
  local tool=$1 shape target row warned="" failed=""
  echo "| load | direct | nginx | HAProxy | Sluice | nginx req/CPU-s | HAProxy req/CPU-s | Sluice req/CPU-s |" \
    "Sluice / nginx req/s | Sluice / nginx req/CPU-s | the same, each round |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  local n_field cpu_field
  n_field=$(n_field "$tool")
  cpu_field=$(cpu_field "$tool")
  for shape in "${SHAPES[@]}"; do
    row="| ${SHAPE_NAME[$shape]} |"
    for target in "${TARGETS[@]}"; do row="$row $(field "${tool}_${shape}_$target" 1) |"; done
    declare -A per=()
    for target in "${PROXIES[@]}"; do
      per[$target]=$(per_cpu "$(field "${tool}_${shape}_$target" $n_field)" \
        "$(field "${tool}_${shape}_$target" $cpu_field)")
      row="$row ${per[$target]} |"
    done
    row="$row $(ratio "$(field "${tool}_${shape}_sluice" 1)" "$(field "${tool}_${shape}_nginx" 1)") |"
    row="$row $(ratio "${per[sluice]}" "${per[nginx]}") |"
    local rounds="" round
    for round in $(seq "$ROUNDS"); do
      rounds="$rounds $(ratio "$(per_cpu "$(field "${tool}_${shape}_sluice_$round" $n_field)" \
        "$(field "${tool}_${shape}_sluice_$round" $cpu_field)")" \
        "$(per_cpu "$(field "${tool}_${shape}_nginx_$round" $n_field)" \
        "$(field "${tool}_${shape}_nginx_$round" $cpu_field)")")"
    done
    row="$row$rounds |"
    echo "$row"
    for target in "${TARGETS[@]}"; do
      if [ "$tool" = wrk ] && [ "$(field "${tool}_${shape}_$target" 5)" != 0 ]; then
        failed="$failed $target answered $(field "${tool}_${shape}_$target" 5) requests with an error status on ${SHAPE_NAME[$shape]};"
      fi
    done
    local direct fastest
    direct=$(field "${tool}_${shape}_direct" 1)
    fastest=$(for target in "${PROXIES[@]}"; do field "${tool}_${shape}_$target" 1; done | sort -g | tail -1)
    if awk -v d="$direct" -v f="$fastest" 'BEGIN { exit !(d < 1.15 * f) }'; then
      warned="$warned ${SHAPE_NAME[$shape]} (direct $direct, fastest proxy $fastest);"
    fi
  done
  # Sluice's compilers' share of its CPU over every measured round of every load, and the largest in one round; a
  # round without the two fields with_cpu adds (one of its slices gave no result) is left out.
  local shares
  shares=$(for shape in "${SHAPES[@]}"; do
             for round in $(seq "$ROUNDS"); do
               echo "$round ${SHAPE_NAME[$shape]}|${RESULT[${tool}_${shape}_sluice_$round]:-}"
             done
           done | awk -F'|' -v c="$cpu_field" '
             { n = split($2, v, " ") }
             n == c + 2 && v[c] > 0 {
               cpu += v[c]; jit += v[c + 1]; vm += v[c + 2]; share = v[c + 1] / v[c]
               if (at == "" || share > most) {
                 most = share; r = $1; sub(/ .*/, "", r); load = $1; sub(/^[^ ]* /, "", load)
                 at = "round " r " of \"" load "\""
               } }
             END { if (cpu > 0) printf "%.1f %% of its CPU time, at most %.1f %% in one round (%s); its VM and " \
                                       "collector threads %.1f %%", 100 * jit / cpu, 100 * most, at, 100 * vm / cpu }')
  if [ -n "$shares" ]; then
    echo
    echo "Over all $ROUNDS measured rounds of each load, Sluice's compiler threads used $shares."
  fi
  if [ -n "$failed" ]; then
    echo
    echo "**Warning:**$failed those rows count error answers as served."
    log "WARNING: error answers ($tool):$failed"
  fi
  if [ -n "$warned" ]; then
    echo
    echo "**Warning:** direct access is not clearly faster than the fastest proxy for:$warned these rows measure the"
    echo "model server and the load side, not the proxies."
    log "WARNING: direct is not clearly the fastest ($tool):$warned"
  fi
}

{
  echo "# Sluice benchmark results"
  echo
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/run.sh\` (DURATION=${DURATION}s per load," \
    "ROUNDS=$ROUNDS, SLICES=$SLICES, STREAM_ROUNDS=$STREAM_ROUNDS, ONLY=$ONLY)."
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
  echo "$(free -g | awk '/Mem/ {print $2}') GiB, Linux $(uname -r), $(java -version 2>&1 | head -1)."
  echo "Each proxy: one worker pinned to CPU $PROXY_CPU (nginx $(nginx -v 2>&1 | cut -d/ -f2), HAProxy"
  echo "$(haproxy -v | head -1 | awk '{print $3}'), Sluice $SLUICE_JAR with ${JAVA_OPTS[*]:0:2}"
  echo "-XX:+AlwaysPreTouch, $(grep -o 'io_uring\|epoll\|nio' "$WORK/sluice.log" | head -1), usage tee on: it adds stream_options.include_usage and strips"
  echo "the usage chunk, as in production). Model server (nginx with pre-rendered answers, bench/backend-conf.sh)"
  echo "and load generators on CPU $LOAD_CPU. No access log in any proxy. Requests per CPU-second: requests served"
  echo "divided by the CPU time of the proxy's processes during its slices. Each throughput cell is the round (of"
  echo "$ROUNDS, each giving every target $SLICES slices of $SLICE_SECONDS s, the targets in turn in an order that"
  echo "changes from slice to slice) with the median requests per CPU-second; the last column gives every round's"
  echo "ratio. The latency table gives wrk's average and p99 of that round's slice $(( (SLICES + 1) / 2 )) of $SLICES."
  if [ "$ONLY" = all ] || [ "$ONLY" = throughput ]; then
    echo
    echo "## HTTP/1.1 (wrk, $CONNECTIONS connections): requests per second and per CPU-second"
    echo
    throughput_table wrk
    echo
    echo "## HTTP/2 (h2load, cleartext, 16 connections x 8 streams): requests per second and per CPU-second"
    echo
    throughput_table h2
    echo
    echo "## Latency (wrk, avg / p99)"
    echo
    echo "| load | direct | nginx | HAProxy | Sluice |"
    echo "|---|---|---|---|---|"
    for shape in "${SHAPES[@]}"; do
      row="| ${SHAPE_NAME[$shape]} |"
      for target in "${TARGETS[@]}"; do
        row="$row $(field "wrk_${shape}_$target" 2) / $(field "wrk_${shape}_$target" 3) |"
      done
      echo "$row"
    done
  fi
  if [ "$ONLY" = all ] || [ "$ONLY" = streams ]; then
    echo
    echo "## Paced streams (35 events, 20 ms apart; microseconds)"
    echo
    echo "Each connection sends its first request at a random moment of the load's first 0.7 s (a stream's length), so"
    echo "that the streams run out of step. At 1,000 streams each row is the target's round (of $STREAM_ROUNDS) with the"
    echo "median TTFT p99; the last column gives every round's."
    echo
    echo "| streams | target | TTFT p50 | TTFT p99 | gap p50 | gap p99 | added TTFT p99 | added gap p99 | done | failed |" \
      "TTFT p99, each round |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    for n in 100 1000; do
      for target in "${TARGETS[@]}"; do
        key="streams_${n}_$target"
        added_ttft="-"; added_gap="-"
        if [ "$target" != direct ]; then
          added_ttft=$(minus "$(field "$key" 2)" "$(field "streams_${n}_direct" 2)")
          added_gap=$(minus "$(field "$key" 4)" "$(field "streams_${n}_direct" 4)")
        fi
        echo "| $n | $target | $(field "$key" 1) | $(field "$key" 2) | $(field "$key" 3) | $(field "$key" 4) |" \
          "$added_ttft | $added_gap | $(field "$key" 5) | $(field "$key" 6) | ${RESULT[${key}_all]:--} |"
      done
    done
    # The rule of the throughput tables, for paced streams: a row whose events fell behind the 20 ms pace (its gap
    # p50 a quarter over it) measures whatever fell behind. In direct access's rows that is the model server and
    # the generator, which then carry both ends of every event on their one core; in a proxy's, the proxy or them.
    slow=""
    for target in "${TARGETS[@]}"; do
      for key in "streams_100_$target" $(seq -f "streams_1000_${target}_%g" "$STREAM_ROUNDS"); do
        gap=$(field "$key" 3)
        what=${key#streams_}; what=${what/_${target}_/ streams, round }; what=${what/_$target/ streams}
        [ -n "$gap" ] && [ "$gap" -gt 25000 ] && slow="$slow $target at $what (gap p50 $gap us);"
      done
    done
    if [ -n "$slow" ]; then
      echo
      echo "**Warning:** events fell behind the 20 ms pace for:$slow in direct access's rows the model server and the"
      echo "load generator fell behind on their shared core, in a proxy's the proxy or they did."
      log "WARNING: events fell behind the pace:$slow"
    fi
  fi
  echo
  echo "## Memory and start-up"
  echo
  echo "| measure | nginx | HAProxy | Sluice |"
  echo "|---|---|---|---|"
  echo "| memory added per open stream: resident set growth; Sluice's outside its pre-touched heap, plus its live heap's growth (from $((IDLE_STREAMS / 2)) to $IDLE_STREAMS streams held open, client and backend side; KiB) |" \
    "$(or_dash "$(field mem_nginx 1)") | $(or_dash "$(field mem_haproxy 1)") | $(or_dash "$(field mem_sluice 1)") |"
  echo "| the same from none to $IDLE_STREAMS streams, with a fresh process's one-off costs (KiB) |" \
    "$(or_dash "$(field mem_nginx 2)") | $(or_dash "$(field mem_haproxy 2)") | $(or_dash "$(field mem_sluice 2)") |"
  echo "| the JVM's live heap and direct memory added per open stream, from $((IDLE_STREAMS / 2)) to $IDLE_STREAMS (KiB) | - | - |" \
    "$(or_dash "$(field mem_sluice 3)") |"
  echo "| start-up to the first answered request, one CPU (median of 5) | - | - | ${STARTUP_MS} ms |"
  echo "| the same with an AppCDS archive (-XX:SharedArchiveFile) | - | - | ${STARTUP_CDS_MS} ms |"
} > "$WORK/results.md"

# The hand-written analysis below the tables (from "## What limits Sluice" on) survives a new run; read it
# again against the new figures.
cat "$WORK/results.md"
if [ -f bench/RESULTS.md ] && grep -q '^## What limits Sluice' bench/RESULTS.md; then
  { echo; sed -n '/^## What limits Sluice/,$p' bench/RESULTS.md; } >>"$WORK/results.md"
fi
cp "$WORK/results.md" bench/RESULTS.md
log "wrote bench/RESULTS.md"
