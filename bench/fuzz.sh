#!/usr/bin/env bash
# Fuzzes every Jazzer target for longer than the test suite's few seconds each.
#
#   bench/fuzz.sh                    # every target, FUZZ_TIME (default 600) seconds each
#   FUZZ_TIME=60 bench/fuzz.sh httpRequestDecoder
#
# Targets: requestScanAndSplice sseFramerAndUsageTee jsonUsageTee webSocketJson webSocketProtobuf (codec,
# CodecFuzzTest),
# plainUsageReader (codec, UsageReaderFuzzTest),
# httpRequestDecoder webSocketFrames (gateway, InboundFuzzTest), webSocketMessages (gateway, WsMessageFuzzTest) and
# upstreamResponses (gateway, ResponseFuzzTest).
# Each runs in a JVM of its own through Jazzer's command line, with Netty's HTTP and WebSocket codecs and
# jackson-core instrumented too, under paranoid leak detection. The corpus grows in target/fuzz-corpus/<target>; a
# finding is written to target/fuzz-findings and ends the run with a non-zero status, and so does a hang (over 10 s
# for one input) or a leak report in the target's log. Move a finding into the target's *Inputs/ resource folder to
# keep it as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_TIME="${FUZZ_TIME:-600}"
# target -> module and test class
declare -A TARGET=([requestScanAndSplice]=codec:io.sluice.codec.fuzz.CodecFuzzTest
  [sseFramerAndUsageTee]=codec:io.sluice.codec.fuzz.CodecFuzzTest
  [jsonUsageTee]=codec:io.sluice.codec.fuzz.CodecFuzzTest
  [webSocketJson]=codec:io.sluice.codec.fuzz.CodecFuzzTest
  [webSocketProtobuf]=codec:io.sluice.codec.fuzz.CodecFuzzTest
  [plainUsageReader]=codec:io.sluice.codec.usage.UsageReaderFuzzTest
  [httpRequestDecoder]=gateway:io.sluice.gateway.server.InboundFuzzTest
  [plainRequestsReadAsNettyReadsThem]=gateway:io.sluice.gateway.server.InboundFuzzTest
  [requestsReadAlikeWithOrWithoutThePlainReader]=gateway:io.sluice.gateway.server.InboundFuzzTest
  [webSocketFrames]=gateway:io.sluice.gateway.server.InboundFuzzTest
  [webSocketMessages]=gateway:io.sluice.gateway.ws.WsMessageFuzzTest
  [upstreamResponses]=gateway:io.sluice.gateway.upstream.ResponseFuzzTest)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(requestScanAndSplice sseFramerAndUsageTee jsonUsageTee webSocketJson webSocketProtobuf plainUsageReader
    httpRequestDecoder plainRequestsReadAsNettyReadsThem requestsReadAlikeWithOrWithoutThePlainReader webSocketFrames
    webSocketMessages upstreamResponses)
fi

mvn -q -DskipTests install
status=0
for target in "${targets[@]}"; do
  entry="${TARGET[$target]:?unknown target $target}"
  module="${entry%%:*}"
  dir="$PWD/$module"
  mvn -q -f "$dir/pom.xml" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$dir/target/fuzz.cp"
  corpus="$dir/target/fuzz-corpus/$target"
  findings="$dir/target/fuzz-findings/$target"
  mkdir -p "$corpus" "$findings"
  echo "== $target: ${FUZZ_TIME}s"
  log="$dir/target/fuzz-findings/$target.log"
  if ! (cd "$findings" && java -Dio.netty.leakDetection.level=paranoid \
      -cp "$dir/target/test-classes:$dir/target/classes:$(cat "$dir/target/fuzz.cp")" \
      com.code_intelligence.jazzer.Jazzer --target_class="${entry#*:}" --target_method="$target" \
      --instrumentation_includes='io.sluice.**:io.netty.handler.codec.**:com.fasterxml.jackson.core.**' \
      -max_total_time="$FUZZ_TIME" -timeout=10 -print_final_stats=1 "$corpus" 2>&1 \
      | grep -v '^INFO: Instrumented' | tee "$log"); then
    echo "== $target: FINDING, see $findings"
    status=1
  fi
  # Jazzer stops on exceptions and hangs; a leaked buffer is only logged by Netty, so it is looked for here.
  if grep -q "LEAK:" "$log"; then
    echo "== $target: LEAK reported, see $log"
    status=1
  fi
done
exit $status
