#!/usr/bin/env bash
# Where the time to first byte of paced streams goes, proxy by proxy: the model server of backend-conf.sh and the
# generator on CPU 0, nginx (conf/nginx-bench.conf), HAProxy (conf/haproxy-bench.cfg) and Sluice on CPU 1, as in
# run.sh. Sluice is warmed first with WS seconds of each throughput load (its JIT shares the core). Then each target
# in turn carries STREAMS paced streams; once they are all open and have run SETTLE seconds, tcpdump records CAP
# seconds of loopback traffic, and TtftSplit splits each captured request's wait into the proxy's way in, the model
# server's wait and the proxy's way out (see its javadoc for how requests are paired). The settling keeps the
# streams' opening burst out of the capture, and with it the compilations a new load sets off in Sluice's JVM: in
# the first seconds after the throughput loads its compilers took 7 % of the core.
#
#   [STREAMS=100] [SETTLE=10] [CAP=3] [WS=20] [TARGETS="sluice nginx haproxy"] bench/ttft-split.sh
#
# Needs root (tcpdump) and what run.sh installs; installs tcpdump when missing. Run nothing else meanwhile. tcpdump
# runs on CPU 0 with the generator, so every target is measured under the same disturbance.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
STREAMS=${STREAMS:-100}; SETTLE=${SETTLE:-10}; CAP=${CAP:-3}; WS=${WS:-20}; TARGETS=${TARGETS:-sluice nginx haproxy}
SLUICE_JAR=${SLUICE_JAR:-gateway/target/sluice.jar}; BENCH_JAR=bench/target/benchmarks.jar
if ! command -v tcpdump >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq tcpdump >/dev/null
fi
start_targets
declare -A PORT=([sluice]=9200 [nginx]=9300 [haproxy]=9400)
CHAT=/v1/chat/completions
for shape in events writes json; do
  stream=1; [ "$shape" = json ] && stream=0
  STREAM=$stream taskset -c 0 wrk -t1 -c32 -d"${WS}s" -s bench/post.lua "http://127.0.0.1:9200$CHAT?shape=$shape" \
    > /dev/null
done
for target in $TARGETS; do
  port=${PORT[$target]}
  echo "http://127.0.0.1:$port$CHAT?shape=paced $STREAMS $((SETTLE + CAP + 5))" \
    | taskset -c 0 java -Xms2g -Xmx2g -Xmn1536m -XX:+AlwaysPreTouch -cp "$BENCH_JAR" io.sluice.bench.StreamLoad - \
    > "$W/load.txt" 2>&1 &
  load=$!
  PIDS+=("$load")
  # The generator takes some seconds to start (it touches its heap first): wait for its streams, then let them run.
  opened=0
  for _ in $(seq 600); do
    opened=$(ss -Htn state established "( sport = :$port )" | wc -l)
    [ "$opened" -ge "$STREAMS" ] || ! kill -0 "$load" 2>/dev/null && break
    sleep 0.1
  done
  if [ "$opened" -lt "$STREAMS" ]; then
    echo "only $opened of $STREAMS streams opened through $target:" >&2; cat "$W/load.txt" >&2; exit 1
  fi
  sleep "$SETTLE"
  status=0
  timeout "$CAP" taskset -c 0 tcpdump -i lo -nn -s 96 -w "$W/$target.pcap" "tcp port $port or tcp port 9100" \
    2> "$W/tcpdump.log" || status=$?
  if [ "$status" -ne 124 ] || [ ! -s "$W/$target.pcap" ]; then
    echo "tcpdump did not capture (exit $status):" >&2; cat "$W/tcpdump.log" >&2; exit 1
  fi
  wait "$load" || { cat "$W/load.txt" >&2; exit 1; }
  echo "== $target, $STREAMS streams: $(grep RESULT "$W/load.txt")"
  tcpdump -nn -tt -r "$W/$target.pcap" 2>/dev/null | java -cp "$BENCH_JAR" io.sluice.bench.TtftSplit "$port" 9100
done
