#!/usr/bin/env bash
# A soak: mixed load for MINUTES (default 30) against Sluice in front of the demo model, the mock model server and
# a dead endpoint, to show memory stays flat, nothing fails that should not, and nothing leaks.
#
#   bench/soak.sh                   # MINUTES=30 CONCURRENCY=24
#
# The load (bench Soak): demo and mock streams over HTTP/1.1, h2c streams, JSON answers, clients that close or
# reset after the first chunk, unknown models (404), malformed JSON (400), a dead backend (502) and WebSocket
# requests. Each minute it prints the gateway's resident memory and its native "Other" memory (Netty's direct
# buffers; the gateway runs with -XX:NativeMemoryTracking=summary). The gateway runs with paranoid leak detection,
# so every buffer is tracked; at the end it is stopped with SIGTERM and its log is searched for leak reports.
# Exit status 0 only with no unexplained failure, memory growth under 1 MiB a minute after warm-up (the first
# five minutes, or the first third of a shorter run) and no leak report.
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${MINUTES:-30}
CONCURRENCY=${CONCURRENCY:-24}
MOCK=9110
SLUICE=9210
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

mvn -q -DskipTests package
java -Xmx256m -cp bench/target/benchmarks.jar io.sluice.bench.MockModelServer "$MOCK" 1 > "$WORK/mock.log" 2>&1 &
PIDS+=($!)
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$WORK/sluice.yaml" <<YAML
server: { host: 127.0.0.1, port: $SLUICE }
usage: { log: false }
providers:
  - id: demo
    type: demo
    models: { demo: demo-1 }
    demo: { token_delay: 3ms }
  - id: mock
    type: vllm
    endpoints: [ "http://127.0.0.1:$MOCK" ]
    models: { m: m }
  - id: dead
    type: vllm
    endpoints: [ "http://127.0.0.1:$dead" ]
    models: { dead: dead }
YAML
cp bench/logback-bench.xml "$WORK/logback.xml"
java -Xms256m -Xmx256m -XX:NativeMemoryTracking=summary -Dio.netty.leakDetection.level=paranoid \
  -jar gateway/target/sluice.jar --config "$WORK/sluice.yaml" > "$WORK/sluice.log" 2>&1 &
gateway=$!
PIDS+=($gateway)
for _ in $(seq 100); do
  grep -q "listening on" "$WORK/sluice.log" && break
  sleep 0.1
done

status=0
java -Xmx512m -cp bench/target/benchmarks.jar io.sluice.bench.Soak "$SLUICE" "$gateway" "$MINUTES" "$CONCURRENCY" \
  || status=$?
kill -TERM "$gateway"
wait "$gateway" || true
leaks=$(grep -c "LEAK:" "$WORK/sluice.log" || true)
echo "leak reports: $leaks"
echo "gateway log: $(grep -c . "$WORK/sluice.log") lines, warnings and errors:"
grep -E " (WARN|ERROR) " "$WORK/sluice.log" | sort | uniq -c | sort -rn | head -10 || true
[ "$leaks" -eq 0 ] || status=1
exit $status
