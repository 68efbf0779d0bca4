#!/usr/bin/env bash
# Measures Sluice against direct access to the mock model server and against nginx, on this machine, in one
# run, and writes the tables of ratios to bench/RESULTS.md.
#
#   bench/run.sh                 # DURATION=10 seconds per load; PROXY_CPU=1 and LOAD_CPU=0 by default
#   SLUICE_JAR=other/sluice.jar bench/run.sh    # the same with another build of Sluice, for before and after
#
# Each proxy gets one worker (Sluice: one event loop; nginx: one worker process) pinned to PROXY_CPU; the mock
# server and the load generators share LOAD_CPU, the same for every target, so what differs between rows is
# only the proxy. nginx, wrk and h2load come from Debian's packages and are installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
PROXY_CPU=${PROXY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
MOCK=9100
SLUICE=9200
NGINX=9300
NGINX_H2=9301
STREAM_PATH="/v1/chat/completions?tokens=32&size=160"
JSON_PATH="/v1/chat/completions?tokens=1&size=16"
PACED_PATH="/v1/chat/completions?tokens=32&size=160&delay_ms=20"
IDLE_PATH="/v1/chat/completions?tokens=2&size=16&delay_ms=120000"
IDLE_STREAMS=2000
BENCH_JAR=bench/target/benchmarks.jar
SLUICE_JAR=${SLUICE_JAR:-gateway/target/sluice.jar}   # another build of Sluice to compare
JAVA_OPTS=(-Xms512m -Xmx512m -Dlogback.configurationFile=bench/logback-bench.xml)
WORK=$(mktemp -d)
PIDS=()

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f /tmp/sluice-bench-nginx.pid ] && kill "$(cat /tmp/sluice-bench-nginx.pid)" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

install_tools() {
  local missing=()
  command -v nginx >/dev/null || missing+=(nginx-light)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v h2load >/dev/null || missing+=(nghttp2-client)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} from Debian's packages"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

wait_for() {  # port
  for _ in $(seq 1 200); do
    curl -s -o /dev/null "http://127.0.0.1:$1/health" && return 0
    sleep 0.05
  done
  echo "nothing answers on port $1" >&2
  return 1
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
    until curl -s -o /dev/null "http://127.0.0.1:$SLUICE/health"; do sleep 0.005; done
    times+=($(( ($(date +%s%N) - start) / 1000000 )))
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}

# wrk: requests per second, average and p99 latency (ms) for one URL.
run_wrk() {  # url stream(0|1)
  STREAM=$2 taskset -c "$LOAD_CPU" wrk -t1 -c64 -d"${DURATION}s" --latency -s bench/post.lua "$1" \
    | awk '/Requests\/sec/ {rps=$2} /^    Latency/ {avg=$2} /^ +99%/ {p99=$2}
           END {print rps, avg, p99}'
}

# The streaming load generator: TTFT and token-gap percentiles (us) with N streams open.
run_streams() {  # url streams
  taskset -c "$LOAD_CPU" java -cp "$BENCH_JAR" io.sluice.bench.StreamLoad "$1" "$2" "$DURATION" \
    | awk '/^RESULT/ {for (i = 2; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}
           print v["ttft_p50_us"], v["ttft_p99_us"], v["gap_p50_us"], v["gap_p99_us"], v["streams_done"], v["failed"]}'
}

run_h2load() {  # url
  taskset -c "$LOAD_CPU" h2load -D "$DURATION" --warm-up-time=2 -c 16 -m 8 -d bench/stream-body.json \
    -H 'content-type: application/json' "$1" | awk '/^finished in/ {gsub(",", "", $4); print $4}' | head -1
}

# Memory in KiB a process holds: nginx's resident set; for the JVM, the live heap after a full collection
# plus native memory outside the heap (NMT's "Other": Netty's direct buffers), since a JVM's resident set does
# not shrink or grow with what it holds.
held_kib() {  # pid jvm(0|1)
  if [ "$2" = 0 ]; then
    rss_kib "$1"
    return
  fi
  jcmd "$1" GC.run >/dev/null
  local heap other
  heap=$(jcmd "$1" GC.heap_info | grep -oE 'used [0-9]+K' | grep -oE '[0-9]+' | awk '{s += $1} END {print s}')
  other=$(jcmd "$1" VM.native_memory summary | grep -E '^-\s+Other' | grep -oE 'committed=[0-9]+KB' \
    | grep -oE '[0-9]+')
  echo $(( heap + other ))
}

# Memory added per open, idle stream (KiB): IDLE_STREAMS streams held open through the proxy.
idle_memory() {  # port pid jvm(0|1)
  local before after
  before=$(held_kib "$2" "$3")
  taskset -c "$LOAD_CPU" java -cp "$BENCH_JAR" io.sluice.bench.StreamLoad "http://127.0.0.1:$1$IDLE_PATH" \
    "$IDLE_STREAMS" 30 hold >/dev/null &
  local load=$!
  sleep 15
  after=$(held_kib "$2" "$3")
  kill "$load"; wait "$load" 2>/dev/null || true
  awk -v a="$after" -v b="$before" -v n="$IDLE_STREAMS" 'BEGIN { printf "%.1f", (a - b) / n }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a - b }'; }

install_tools
if [ ! -f "$BENCH_JAR" ] || [ ! -f "$SLUICE_JAR" ]; then
  log "building"
  mvn -q -DskipTests package
fi

log "start-up"
STARTUP_MS=$(measure_startup)
java "${JAVA_OPTS[@]}" -XX:ArchiveClassesAtExit="$WORK/sluice.jsa" -jar "$SLUICE_JAR" --config bench/sluice-bench.yaml \
  >/dev/null 2>&1 &
CDS_PID=$!
wait_for "$SLUICE"
curl -s -o /dev/null "http://127.0.0.1:$SLUICE/v1/chat/completions" -d '{"model":"m"}' || true
kill "$CDS_PID"; wait "$CDS_PID" 2>/dev/null || true
STARTUP_CDS_MS=$(measure_startup -XX:SharedArchiveFile="$WORK/sluice.jsa")

log "starting the mock server, Sluice and nginx"
taskset -c "$LOAD_CPU" java -Xms256m -Xmx256m -cp "$BENCH_JAR" io.sluice.bench.MockModelServer "$MOCK" 1 \
  >"$WORK/mock.log" 2>&1 &
PIDS+=($!)
taskset -c "$PROXY_CPU" java "${JAVA_OPTS[@]}" -jar "$SLUICE_JAR" --config bench/sluice-bench.yaml \
  >"$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
PIDS+=("$SLUICE_PID")
taskset -c "$PROXY_CPU" nginx -c "$PWD/conf/nginx-bench.conf" -e /tmp/sluice-bench-nginx-error.log \
  >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)
wait_for "$SLUICE"
sleep 1
NGINX_WORKER=$(pgrep -P "$(cat /tmp/sluice-bench-nginx.pid)" | head -1)

declare -A URL=([direct]="http://127.0.0.1:$MOCK" [nginx]="http://127.0.0.1:$NGINX" [sluice]="http://127.0.0.1:$SLUICE")

log "warming up every path of every target (the JIT shares the proxy's single core)"
for target in direct nginx sluice; do
  DURATION=8 run_wrk "${URL[$target]}$STREAM_PATH" 1 >/dev/null
  DURATION=8 run_wrk "${URL[$target]}$JSON_PATH" 0 >/dev/null
  DURATION=8 run_streams "${URL[$target]}$PACED_PATH" 200 >/dev/null
done
DURATION=8 run_h2load "http://127.0.0.1:$NGINX_H2$STREAM_PATH" >/dev/null
DURATION=8 run_h2load "http://127.0.0.1:$SLUICE$STREAM_PATH" >/dev/null

declare -A RESULT
for shape in stream json; do
  path=$STREAM_PATH; stream=1
  [ "$shape" = json ] && path=$JSON_PATH && stream=0
  for target in direct nginx sluice; do
    log "wrk $shape $target"
    RESULT[wrk_${shape}_$target]=$(run_wrk "${URL[$target]}$path" "$stream")
  done
done
for n in 100 1000; do
  for target in direct nginx sluice; do
    log "$n paced streams $target"
    RESULT[streams_${n}_$target]=$(run_streams "${URL[$target]}$PACED_PATH" "$n")
  done
done
log "h2load"
RESULT[h2_nginx]=$(run_h2load "http://127.0.0.1:$NGINX_H2$STREAM_PATH")
RESULT[h2_sluice]=$(run_h2load "http://127.0.0.1:$SLUICE$STREAM_PATH")
log "memory per idle stream"
RESULT[mem_nginx]=$(idle_memory "$NGINX" "$NGINX_WORKER" 0)
SLUICE_PORT=9201 taskset -c "$PROXY_CPU" java "${JAVA_OPTS[@]}" -XX:NativeMemoryTracking=summary -jar "$SLUICE_JAR" \
  --config bench/sluice-bench.yaml >"$WORK/sluice-nmt.log" 2>&1 &
NMT_PID=$!
PIDS+=("$NMT_PID")
wait_for 9201
RESULT[mem_sluice]=$(idle_memory 9201 "$NMT_PID" 1)

field() { echo "${RESULT[$1]}" | awk -v i="$2" '{print $i}'; }

{
  echo "# Sluice benchmark results"
  echo
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/run.sh\` (DURATION=${DURATION}s per load)."
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
  echo "$(free -g | awk '/Mem/ {print $2}') GiB, Linux $(uname -r), $(java -version 2>&1 | head -1)."
  echo "Each proxy: one worker pinned to CPU $PROXY_CPU; mock server and load generators on CPU $LOAD_CPU."
  echo "Sluice: $SLUICE_JAR, $(grep -o 'epoll\|nio' "$WORK/sluice.log" | head -1), pooled allocator, usage tee on"
  echo "(it adds stream_options.include_usage and strips the usage chunk, as in production); access logs off in"
  echo "both proxies."
  echo
  echo "## Requests per second (wrk, 64 connections)"
  echo
  echo "| load | direct | nginx | Sluice | Sluice / nginx | Sluice / direct |"
  echo "|---|---|---|---|---|---|"
  for shape in stream json; do
    name="7 KB event stream"; [ "$shape" = json ] && name="small JSON answer"
    d=$(field "wrk_${shape}_direct" 1); n=$(field "wrk_${shape}_nginx" 1); s=$(field "wrk_${shape}_sluice" 1)
    echo "| $name | $d | $n | $s | $(ratio "$s" "$n") | $(ratio "$s" "$d") |"
  done
  echo
  echo "## Latency (wrk, avg / p99)"
  echo
  echo "| load | direct | nginx | Sluice |"
  echo "|---|---|---|---|"
  for shape in stream json; do
    name="7 KB event stream"; [ "$shape" = json ] && name="small JSON answer"
    row="| $name |"
    for target in direct nginx sluice; do
      row="$row $(field "wrk_${shape}_$target" 2) / $(field "wrk_${shape}_$target" 3) |"
    done
    echo "$row"
  done
  echo
  echo "## Streams (32 tokens, 20 ms apart; microseconds)"
  echo
  echo "| streams | target | TTFT p50 | TTFT p99 | gap p50 | gap p99 | added TTFT p99 | added gap p99 | done | failed |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for n in 100 1000; do
    for target in direct nginx sluice; do
      key="streams_${n}_$target"
      added_ttft="-"; added_gap="-"
      if [ "$target" != direct ]; then
        added_ttft=$(minus "$(field "$key" 2)" "$(field "streams_${n}_direct" 2)")
        added_gap=$(minus "$(field "$key" 4)" "$(field "streams_${n}_direct" 4)")
      fi
      echo "| $n | $target | $(field "$key" 1) | $(field "$key" 2) | $(field "$key" 3) | $(field "$key" 4) |" \
        "$added_ttft | $added_gap | $(field "$key" 5) | $(field "$key" 6) |"
    done
  done
  echo
  echo "## HTTP/2 (h2load, cleartext, 16 connections x 8 streams, 7 KB event stream)"
  echo
  echo "| nginx req/s | Sluice req/s | Sluice / nginx |"
  echo "|---|---|---|"
  echo "| ${RESULT[h2_nginx]} | ${RESULT[h2_sluice]} | $(ratio "${RESULT[h2_sluice]}" "${RESULT[h2_nginx]}") |"
  echo
  echo "## Memory and start-up"
  echo
  echo "| measure | nginx | Sluice |"
  echo "|---|---|---|"
  echo "| memory per open idle stream ($IDLE_STREAMS streams; KiB: nginx resident set, Sluice live heap + direct) |" \
    "${RESULT[mem_nginx]} | ${RESULT[mem_sluice]} |"
  echo "| start-up to the first answered request, one CPU (median of 5) | - | ${STARTUP_MS} ms |"
  echo "| the same with an AppCDS archive (-XX:SharedArchiveFile) | - | ${STARTUP_CDS_MS} ms |"
} > "$WORK/results.md"

# The hand-written analysis below the tables (from "## What limits Sluice" on) survives a new run; read it
# again against the new figures.
cat "$WORK/results.md"
if [ -f bench/RESULTS.md ] && grep -q '^## What limits Sluice' bench/RESULTS.md; then
  { echo; sed -n '/^## What limits Sluice/,$p' bench/RESULTS.md; } >>"$WORK/results.md"
fi
cp "$WORK/results.md" bench/RESULTS.md
log "wrote bench/RESULTS.md"
