package io.sluice.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.json.MalformedRequestException;
import io.sluice.codec.json.RequestFields;
import io.sluice.codec.json.RequestScanner;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.codec.usage.StreamUsageTee;
import io.sluice.codec.usage.Usage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The per-byte work of the data path: finding event boundaries in a 7 KB stream, the usage tee over the same
 * stream, and the scan of a request body for its routing fields. Run with
 * {@code java -jar bench/target/benchmarks.jar -prof gc} to see time and bytes allocated per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    private static final String CHUNK = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1755137921,\"model\":\"llama-3-8b\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
            + "\" token\"},\"finish_reason\":null}]}\n\n";
    private static final String USAGE = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
            + "\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":40,\"total_tokens\":52}}\n\n";

    private ByteBuf stream;
    private ByteBuf request;

    @Setup
    public void setUp() {
        stream = Unpooled.directBuffer().writeBytes((CHUNK.repeat(40) + USAGE + "data: [DONE]\n\n")
                .getBytes(StandardCharsets.UTF_8));
        request = Unpooled.directBuffer().writeBytes(("{\"messages\":[{\"role\":\"system\",\"content\":\""
                + "You are helpful. ".repeat(200) + "\"},{\"role\":\"user\",\"content\":\"Hello\"}],"
                + "\"model\":\"llama-3-8b\",\"stream\":true,\"temperature\":0.2}").getBytes(StandardCharsets.UTF_8));
    }

    @TearDown
    public void tearDown() {
        stream.release();
        request.release();
    }

    @Benchmark
    public int sseBoundaries() {
        final SseEventFramer framer = new SseEventFramer();
        int events = 0;
        int from = stream.readerIndex();
        int end;
        while ((end = framer.nextEventEnd(stream, from, stream.writerIndex())) >= 0) {
            events++;
            from = end;
        }
        return events;
    }

    @Benchmark
    public Usage sseBoundariesWithUsageTee() {
        final SseEventFramer framer = new SseEventFramer();
        final StreamUsageTee tee = new StreamUsageTee(true);
        int from = stream.readerIndex();
        int end;
        while ((end = framer.nextEventEnd(stream, from, stream.writerIndex())) >= 0) {
            tee.onEvent(stream, from, end);
            from = end;
        }
        return tee.usage();
    }

    @Benchmark
    public RequestFields requestScan() throws MalformedRequestException {
        return RequestScanner.scan(request);
    }
}
