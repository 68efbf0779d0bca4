package io.sluice.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.providers.Served;
import io.sluice.providers.StreamDecoder;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamEncoder;
import io.sluice.providers.anthropic.AnthropicCodec;
import io.sluice.providers.openai.OpenAiCodec;
import io.sluice.providers.uniform.UniformCodec;
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
 * The per-event cost of translating a stream between dialects, in the steady state of a long answer (the decoder
 * and encoder of one stream, a text block already open): one OpenAI content chunk written as Anthropic events and
 * as uniform events, and one Anthropic {@code text_delta} written as an OpenAI chunk. Run with
 * {@code java -jar bench/target/benchmarks.jar TranslationBenchmark -prof gc} for time and bytes per event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TranslationBenchmark {
    /** The data of a content chunk shaped like OpenAI's today (../shared/wire/openai_chat_stream_usage.txt). */
    private static final byte[] OPENAI_CHUNK = ("{\"id\":\"chatcmpl-C4Hq5a6K3RaPMymUv70btQNYv6SvY\","
            + "\"object\":\"chat.completion.chunk\",\"created\":1755137921,\"model\":\"gpt-5-nano-2025-08-07\","
            + "\"service_tier\":\"default\",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":"
            + "{\"content\":\" usually\"},\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"WuQNX\"}")
            .getBytes(StandardCharsets.UTF_8);
    /** The data of a text delta as Anthropic sends it (../shared/wire/anthropic_stream_basic_sdkfixture.txt). */
    private static final byte[] ANTHROPIC_DELTA = ("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            + "{\"type\":\"text_delta\",\"text\":\" usually\"}}").getBytes(StandardCharsets.UTF_8);
    private static final Served SERVED = new Served("msg_0123456789abcdef", "chat", "farm");

    private final StreamDecoder fromOpenAi = OpenAiCodec.INSTANCE.decoder();
    private final StreamDecoder fromAnthropic = AnthropicCodec.INSTANCE.decoder();
    private final StreamEncoder toAnthropic = AnthropicCodec.INSTANCE.encoder(SERVED, true);
    private final StreamEncoder toOpenAi = OpenAiCodec.INSTANCE.encoder(SERVED, true);
    private final StreamEncoder toUniform = UniformCodec.STREAM.encoder(SERVED, true);
    private ByteBuf out;

    @Setup
    public void setUp() {
        out = Unpooled.directBuffer(4096);
        // The stream's first events: message_start, the role chunk, an open text block.
        translate(fromOpenAi, OPENAI_CHUNK, toAnthropic);
        translate(fromAnthropic, ANTHROPIC_DELTA, toOpenAi);
        translate(fromOpenAi, OPENAI_CHUNK, toUniform);
    }

    @TearDown
    public void tearDown() {
        out.release();
    }

    private int translate(StreamDecoder decoder, byte[] event, StreamEncoder encoder) {
        out.clear();
        final StreamDelta delta = decoder.decode(event, event.length);
        encoder.delta(delta, out);
        return out.readableBytes();
    }

    @Benchmark
    public int openAiChunkToAnthropicEvents() {
        return translate(fromOpenAi, OPENAI_CHUNK, toAnthropic);
    }

    @Benchmark
    public int anthropicDeltaToOpenAiChunk() {
        return translate(fromAnthropic, ANTHROPIC_DELTA, toOpenAi);
    }

    @Benchmark
    public int openAiChunkToUniformEvents() {
        return translate(fromOpenAi, OPENAI_CHUNK, toUniform);
    }
}
