#!/usr/bin/env bash
# Fuzzes every Jazzer target for longer than the test suite's few seconds each.
#
#   bench/fuzz.sh                    # every target, FUZZ_TIME (default 600) seconds each
#   FUZZ_TIME=60 bench/fuzz.sh httpRequestDecoder
#
# Targets: requestScanAndSplice sseFramerAndUsageTee webSocketJson webSocketProtobuf (codec, CodecFuzzTest) and
# httpRequestDecoder webSocketFrames (gateway, InboundFuzzTest). Each runs in a JVM of its own through Jazzer's
# command line, with Netty's HTTP and WebSocket codecs and jackson-core instrumented too, under paranoid leak
# detection. The corpus grows in target/fuzz-corpus/<target>; a finding is written to target/fuzz-findings and
# ends the run with a non-zero status. Move a finding into the target's *Inputs/ resource folder to keep it as a
# regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_TIME="${FUZZ_TIME:-600}"
declare -A MODULE=([requestScanAndSplice]=codec [sseFramerAndUsageTee]=codec [webSocketJson]=codec
  [webSocketProtobuf]=codec [httpRequestDecoder]=gateway [webSocketFrames]=gateway)
declare -A CLASS=([codec]=io.sluice.codec.fuzz.CodecFuzzTest [gateway]=io.sluice.gateway.server.InboundFuzzTest)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(requestScanAndSplice sseFramerAndUsageTee webSocketJson webSocketProtobuf httpRequestDecoder webSocketFrames)
fi

mvn -q -DskipTests install
status=0
for target in "${targets[@]}"; do
  module="${MODULE[$target]:?unknown target $target}"
  dir="$PWD/$module"
  mvn -q -f "$dir/pom.xml" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$dir/target/fuzz.cp"
  corpus="$dir/target/fuzz-corpus/$target"
  findings="$dir/target/fuzz-findings/$target"
  mkdir -p "$corpus" "$findings"
  echo "== $target: ${FUZZ_TIME}s"
  if ! (cd "$findings" && java -Dio.netty.leakDetection.level=paranoid \
      -cp "$dir/target/test-classes:$dir/target/classes:$(cat "$dir/target/fuzz.cp")" \
      com.code_intelligence.jazzer.Jazzer --target_class="${CLASS[$module]}" --target_method="$target" \
      --instrumentation_includes='io.sluice.**:io.netty.handler.codec.**:com.fasterxml.jackson.core.**' \
      -max_total_time="$FUZZ_TIME" -print_final_stats=1 "$corpus" 2>&1 | grep -v '^INFO: Instrumented'); then
    echo "== $target: FINDING, see $findings"
    status=1
  fi
done
exit $status
