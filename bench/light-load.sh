#!/usr/bin/env bash
# The latency of a few clients: each target in turn carries CLIENTS kept-alive connections, each posting the small
# JSON request and waiting for the whole answer before the next (LightLoad), for S seconds, ROUNDS times in the
# orders of run.sh's rounds of paced streams (targets_of_round), for each number of clients in CLIENTS. The model
# server of backend-conf.sh and the clients on CPU 0; nginx (conf/nginx-bench.conf), HAProxy
# (conf/haproxy-bench.cfg) and Sluice on CPU 1, as in run.sh; Sluice gets WS seconds of wrk's JSON load first (its
# JIT shares the core), in pieces (warm_pieces, bench/common.sh). Each line:
# clients, round, target, then LightLoad's RESULT (RESULT error=... when a client failed), then the CPU time the
# target's processes used per request sent (the warm-up's too), all of it and in user mode (µs): whether the latency
# of a hop is the proxy's work or its waiting.
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
# start_targets' PIDS: the model server's nginx, the proxy nginx, HAProxy, Sluice; each nginx counts with its workers.
declare -A PROCS=([direct]="$(with_children "${PIDS[0]}")" [nginx]="$(with_children "${PIDS[1]}")"
  [haproxy]="${PIDS[2]}" [sluice]="${PIDS[3]}")
URL=/v1/chat/completions?shape=json
for _ in $(warm_pieces "$WS"); do
  taskset -c 0 wrk -t1 -c32 -d"${WARM_PIECE}s" -s bench/post.lua "http://127.0.0.1:9200$URL" > /dev/null
done
for clients in $CLIENTS; do
  for round in $(seq "$ROUNDS"); do
    for target in $(targets_of_round "$round"); do
      cpu=$(cpu_ticks ${PROCS[$target]}); user=$(user_ticks ${PROCS[$target]})
      result=$(taskset -c 0 java -Xms256m -Xmx256m -Xmn200m -XX:+AlwaysPreTouch -cp "$BENCH_JAR" \
        io.sluice.bench.LightLoad "http://127.0.0.1:${PORT[$target]}$URL" "$S" "$clients") \
        || result=${result:-"RESULT error=exit_$?"}
      cpu=$(( $(cpu_ticks ${PROCS[$target]}) - cpu )); user=$(( $(user_ticks ${PROCS[$target]}) - user ))
      echo "$clients $round $target $result" | awk -v cpu="$cpu" -v user="$user" -v hz="$TICKS_PER_SECOND" '
        { n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^sent=/) { n = substr($i, 6) } }
        n > 0 { printf "%s cpu_us=%.1f user_us=%.1f\n", $0, cpu * 1e6 / hz / n, user * 1e6 / hz / n; next }
        { print }'
    done
  done
done
