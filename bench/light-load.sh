#!/usr/bin/env bash
# The latency of a few clients: each target in turn carries CLIENTS kept-alive connections, each posting the small
# JSON request and waiting for the whole answer before the next (LightLoad), for S seconds, ROUNDS times in the
# orders of run.sh's rounds of paced streams (targets_of_round), for each number of clients in CLIENTS. The model
# server of backend-conf.sh and the clients on CPU 0; nginx (conf/nginx-bench.conf), HAProxy
# (conf/haproxy-bench.cfg) and Sluice on CPU 1, as in run.sh; Sluice gets WS seconds of wrk's JSON load first (its
# JIT shares the core). Each line: clients, round, target, then LightLoad's RESULT (RESULT error=... when a client
# failed).
#
#   [CLIENTS="1 2 4"] [S=10] [ROUNDS=4] [WS=20] [SLUICE_JAR=gateway/target/sluice.jar] bench/light-load.sh
#
# LightLoad rather than wrk, whose latencies at one connection add up to more than its run (see LightLoad). Each
# load is a JVM of its own with a fixed, pre-touched heap that its few allocations never fill, so that it does not
# collect while it measures. Needs what run.sh installs and the benchmark jar (mvn package); run nothing else
# meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
CLIENTS=${CLIENTS:-1 2 4}; S=${S:-10}; ROUNDS=${ROUNDS:-4}; WS=${WS:-20}
SLUICE_JAR=${SLUICE_JAR:-gateway/target/sluice.jar}; BENCH_JAR=bench/target/benchmarks.jar
if ! unzip -Z1 "$BENCH_JAR" io/sluice/bench/LightLoad.class > /dev/null 2>&1; then
  echo "no LightLoad in $BENCH_JAR: build it first (mvn -q -DskipTests package)" >&2
  exit 1
fi
start_targets
TARGETS=(direct nginx haproxy sluice)
declare -A PORT=([direct]=9100 [nginx]=9300 [haproxy]=9400 [sluice]=9200)
URL=/v1/chat/completions?shape=json
taskset -c 0 wrk -t1 -c32 -d"${WS}s" -s bench/post.lua "http://127.0.0.1:9200$URL" > /dev/null
for clients in $CLIENTS; do
  for round in $(seq "$ROUNDS"); do
    for target in $(targets_of_round "$round"); do
      result=$(taskset -c 0 java -Xms256m -Xmx256m -Xmn200m -XX:+AlwaysPreTouch -cp "$BENCH_JAR" \
        io.sluice.bench.LightLoad "http://127.0.0.1:${PORT[$target]}$URL" "$S" "$clients") \
        || result=${result:-"RESULT error=exit_$?"}
      echo "$clients $round $target $result"
    done
  done
done
