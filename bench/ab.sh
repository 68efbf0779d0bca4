#!/usr/bin/env bash
# A/B of two Sluice jars on the throughput loads of run.sh, for a change to the data path: JAR_A on port 9200 and
# JAR_B on 9201, both pinned to CPU 1 beside the nginx proxy of conf/nginx-bench.conf (the reference), the nginx
# backend of backend-conf.sh on CPU 0 with the load generator. Rounds interleave A, B and nginx, each taking every
# place in turn (targets_of_round), so that drift hits all three alike. Each line: round, protocol, shape, target,
# requests served in D seconds, CPU ticks the target's processes used, requests per CPU-second, user-mode and system
# µs per request, and the µs per request of a JVM's compiler threads (C1, C2; part of its user and system time).
# The run ends with the same over all its rounds, for each protocol, shape and target.
#
#   JAR_A=before.jar JAR_B=after.jar [ROUNDS=3] [D=10] [SHAPES="events writes json"] [H2=1] [WU=20] [BLOCK=0] \
#     bench/ab.sh
#
# Short rounds added up resolve a ratio better than long ones: the same jar against itself over HTTP/1.1 JSON moved
# 0.63-1.12 in eight rounds of D=10, 0.94-1.08 in eight blocks of five rounds of D=2 (bench/RESULTS.md, "2026-12-06,
# afternoon"). BLOCK=5 ends the run with the rounds added up five at a time: for each block, protocol and shape,
# each target's requests per CPU-second and the ratios B / A, A / N and B / N.
#
#   JAR_A=before.jar JAR_B=after.jar SHAPES=json D=2 ROUNDS=40 BLOCK=5 bench/ab.sh
#
# Each jar first gets WU seconds of each load over each protocol it is measured on (nginx 5), in pieces
# (warm_pieces, bench/common.sh): a JVM's figure on a load settles after about 20 s of it (the JIT), and both JVMs
# share one core, so one still compiling slows the other. A round whose jitUs stands out still compiled.
#
# EXTRA gives both JVMs more options, EXTRA_A and EXTRA_B one of them: one jar against itself with a -D on one side
# measures a setting.
#
# CMD_B runs B as a command of its own, listening on port 9201, in place of a Sluice jar: with
#   CMD_B="java -Xms512m -Xmx512m -XX:+AlwaysPreTouch -cp bench/target/benchmarks.jar \
#     io.sluice.bench.TcpRelay 9201 9100"
# B is the floor of a relay on Sluice's stack (TcpRelay: Netty's transport and nothing else), on HTTP/1.1 loads only
# (the model server speaks HTTP/2 on another port, so H2=1 is refused). EXTRA_B and CONF_B do not apply to it.
#
# CONF_A and CONF_B give each its own config (bench/sluice-bench.yaml by default): one jar against itself with
# CONF_B=bench/sluice-bench-webhook.yaml measures what delivering usage to a webhook costs.
#
# Needs what run.sh installs (nginx with the echo module, wrk, h2load); run nothing else on the machine meanwhile.
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
ROUNDS=${ROUNDS:-3}; D=${D:-10}; SHAPES=${SHAPES:-events writes json}; BLOCK=${BLOCK:-0}
TARGETS=(A B N)
if [ -n "${CMD_B:-}" ] && [ "${H2:-0}" = 1 ]; then
  echo "CMD_B relays HTTP/1.1 loads only; run it without H2=1" >&2
  exit 2
fi
W=$(mktemp -d)
bench/backend-conf.sh "$W" > "$W/backend.conf"
taskset -c 0 nginx -c "$W/backend.conf" > /dev/null 2>&1 &
taskset -c 1 nginx -c "$PWD/conf/nginx-bench.conf" -e "$W/nginx-error.log" > /dev/null 2>&1 &
OPTS="-Xms512m -Xmx512m -XX:+AlwaysPreTouch -Dlogback.configurationFile=bench/logback-bench.xml ${EXTRA:-}"
SLUICE_PORT=9200 SPOOL_DIR="$W/spool-a" taskset -c 1 java $OPTS ${EXTRA_A:-} -jar "$JAR_A" \
  --config "${CONF_A:-bench/sluice-bench.yaml}" > "$W/a.log" 2>&1 & PA=$!
if [ -n "${CMD_B:-}" ]; then
  taskset -c 1 $CMD_B > "$W/b.log" 2>&1 & PB=$!
else
  SLUICE_PORT=9201 SPOOL_DIR="$W/spool-b" taskset -c 1 java $OPTS ${EXTRA_B:-} -jar "$JAR_B" \
    --config "${CONF_B:-bench/sluice-bench.yaml}" > "$W/b.log" 2>&1 & PB=$!
fi
for port in 9100 9200 9201; do wait_for "$port"; done
sleep 1
NP=$(with_children "$(cat /tmp/sluice-bench-nginx.pid)")
# The compilers' ticks of a target that is a JVM (A, and B, the relay of CMD_B being one too); nginx has none.
jit_ticks() { if [ "$1" = N ]; then echo 0; else jvm_ticks "${PROCS[$1]}" | cut -d' ' -f1; fi; }
# The line of one measure: requests, CPU ticks, requests per CPU-second, and user-mode, system and compiler
# microseconds per request. The user column is the proxy's own code; the system column the kernel's socket and
# readiness work, which moves with the machine and the run (nginx's per HTTP/1.1 two-write stream between 30 and
# 50 µs from one minute to the next, and lower in runs that also carried h2 loads: bench/RESULTS.md, "2026-12-06,
# evening").
line() {
  awk -v n="${1:-0}" -v c="$2" -v u="$3" -v j="$4" 'BEGIN {
    if (n == 0 || c == 0) { printf "n=%d cpu=%d (nothing served)", n, c; exit }
    printf "n=%d cpu=%d perCPU=%.0f userUs=%.2f sysUs=%.2f jitUs=%.2f", n, c, n / (c / 100), u * 10000 / n,
      (c - u) * 10000 / n, j * 10000 / n }'
}
declare -A PORT=([A]=9200 [B]=9201 [N]=9300) PROCS=([A]=$PA [B]=$PB [N]="$NP")
wrk1() { STREAM=$2 taskset -c 0 wrk -t1 -c32 -d"${3}s" -s bench/post.lua "$1" | awk '/ requests in / {print $1}'; }
h21() {
  taskset -c 0 h2load -D "$3" -c 16 -m 8 -d "$2" -H 'content-type: application/json' "$1" \
    | awk '/^requests:/ {print $8}'
}
body_of() { [ "$1" = json ] && echo bench/json-body.json || echo bench/stream-body.json; }
# The line of target $1 under a load command, which prints the requests it served: the target's ticks are read
# either side of it.
measure() {  # target command...
  local t=$1 b bu bj n
  shift
  b=$(cpu_ticks ${PROCS[$t]}); bu=$(user_ticks ${PROCS[$t]}); bj=$(jit_ticks "$t")
  n=$("$@")
  line "$n" $(( $(cpu_ticks ${PROCS[$t]}) - b )) $(( $(user_ticks ${PROCS[$t]}) - bu )) $(( $(jit_ticks "$t") - bj ))
}
for s in $SHAPES; do st=1; [ "$s" = json ] && st=0
  for t in A B N; do wu=${WU:-20}; [ $t = N ] && wu=5
    for _ in $(warm_pieces "$wu"); do
      wrk1 "http://127.0.0.1:${PORT[$t]}/v1/chat/completions?shape=$s" $st "$WARM_PIECE" > /dev/null
      if [ "${H2:-0}" = 1 ]; then hp=${PORT[$t]}; [ $t = N ] && hp=9301
        h21 "http://127.0.0.1:$hp/v1/chat/completions?shape=$s" "$(body_of "$s")" "$WARM_PIECE" > /dev/null
      fi
    done
  done
done
for r in $(seq "$ROUNDS"); do for s in $SHAPES; do st=1; [ "$s" = json ] && st=0
  # Each target takes every place in turn, so that what follows a target's turn falls on all three alike.
  for t in $(targets_of_round "$r"); do
    echo "r$r h1 $s $t $(measure "$t" wrk1 "http://127.0.0.1:${PORT[$t]}/v1/chat/completions?shape=$s" $st "$D")"
    if [ "${H2:-0}" = 1 ]; then hp=${PORT[$t]}; [ $t = N ] && hp=9301
      echo "r$r h2 $s $t $(measure "$t" h21 "http://127.0.0.1:$hp/v1/chat/completions?shape=$s" "$(body_of "$s")" "$D")"
    fi
  done
done; done | tee "$W/lines"
# The lines above added up: over blocks of BLOCK rounds when BLOCK > 0, then over all rounds.
awk -v k="$BLOCK" '
  { split($5, n, "="); split($6, c, "=") }
  k > 0 { block = (int((substr($1, 2) - 1) / k) + 1) " " $2 " " $3; bserved[block, $4] += n[2]; bcpu[block, $4] += c[2]
    if (!(block in bseen)) { bseen[block] = 1; blocks[++nb] = block } }
  $7 ~ /^perCPU=/ { key = $2 " " $3 " " $4; split($8, u, "="); split($10, jt, "="); served[key] += n[2]
    cpu[key] += c[2]; user[key] += u[2] * n[2] / 10000; jit[key] += jt[2] * n[2] / 10000
    if (!(key in seen)) { seen[key] = 1; keys[++nk] = key } }
  END {
    if (k > 0) {
      print "rounds added up " k " at a time: block, protocol, shape, requests per CPU-second of A, B and N, B / A," \
        " A / N, B / N"
      for (i = 1; i <= nb; i++) {
        block = blocks[i]; ok = 1
        for (j = 1; j <= 3; j++) {
          t = substr("ABN", j, 1)
          if (bcpu[block, t] == 0) ok = 0; else p[t] = bserved[block, t] / (bcpu[block, t] / 100)
        }
        if (ok) printf "b%s A=%.0f B=%.0f N=%.0f B/A=%.3f A/N=%.3f B/N=%.3f\n", block, p["A"], p["B"], p["N"],
          p["B"] / p["A"], p["A"] / p["N"], p["B"] / p["N"]
        else printf "b%s (a target served nothing)\n", block
      }
    }
    print "all rounds: protocol, shape, target, requests per CPU-second, user-mode, system and compiler µs per request"
    for (i = 1; i <= nk; i++) {
      key = keys[i]
      printf "all %s perCPU=%.0f userUs=%.2f sysUs=%.2f jitUs=%.2f\n", key, served[key] / (cpu[key] / 100),
        user[key] * 10000 / served[key], (cpu[key] - user[key]) * 10000 / served[key], jit[key] * 10000 / served[key]
    }
  }' "$W/lines"
kill "$PA" "$PB" "$(cat /tmp/sluice-bench-nginx.pid)" "$(cat "$W/backend.pid" 2>/dev/null)" 2>/dev/null
wait 2>/dev/null
rm -rf "$W"
