package io.sluice.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.codec.json.Json;
import io.sluice.codec.json.JsonSplice;
import io.sluice.codec.json.MalformedRequestException;
import io.sluice.codec.json.RequestFields;
import io.sluice.codec.json.RequestScanner;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.codec.proto.ProtoJson;
import io.sluice.codec.usage.EventUsage;
import io.sluice.codec.usage.JsonUsageTee;
import io.sluice.codec.usage.Usage;
import io.sluice.codec.usage.UsageReader;
import io.sluice.proto.StreamChunk;
import io.sluice.proto.WebSocketMessage;
import io.sluice.providers.Dialect;
import io.sluice.providers.RequestEdits;
import io.sluice.providers.RequestPlan;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamWatcher;
import io.sluice.providers.openai.OpenAiEndpoint;
import io.sluice.providers.openai.OpenAiStreamDecoder;
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

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The per-byte work of the data path: finding event boundaries in a 7 KB stream, the OpenAI watcher (usage tee and
 * stream-end check) over the same stream as the relay sees it, reading usage out of the final chunk, the scan and
 * splice of a request body, the translation of one OpenAI chunk into a WebSocket message, and the usage capture of a
 * JSON answer. Run with
 * {@code java -jar bench/target/benchmarks.jar -prof gc} to see time and bytes allocated per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    /** A content chunk shaped like OpenAI's today (../shared/wire/openai_chat_stream_usage.txt). */
    private static final String CHUNK = "data: {\"id\":\"chatcmpl-C4Hq5a6K3RaPMymUv70btQNYv6SvY\","
            + "\"object\":\"chat.completion.chunk\",\"created\":1755137921,\"model\":\"gpt-5-nano-2025-08-07\","
            + "\"service_tier\":\"default\",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":"
            + "{\"content\":\" usually\"},\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"WuQNX\"}\n\n";
    private static final byte[] BACKEND_MODEL = Json.quotedUtf8("meta-llama/Meta-Llama-3-8B-Instruct");
    private static final String USAGE = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
            + "\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":40,\"total_tokens\":52}}\n\n";

    /** The 452-byte chat completion of bench/backend-conf.sh, usage last as vLLM writes it. */
    private static final String ANSWER = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\","
            + "\"created\":1700000000,\"model\":\"bench\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"" + ("The quick brown fox jumps over the lazy dog, then rests by the "
            + "river until the sun goes down. ").repeat(2) + "\"},\"logprobs\":null,"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":40,"
            + "\"total_tokens\":52}}";

    /** A tool call's answer (538 bytes), its arguments a JSON text full of escaped quotes. */
    private static final String TOOL_ANSWER = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\","
            + "\"created\":1700000000,\"model\":\"bench\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
            + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{"
            + "\\\"location\\\":\\\"Paris, France\\\",\\\"unit\\\":\\\"celsius\\\",".repeat(3)
            + "\\\"days\\\":3}\"}}]},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
            + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":40,\"total_tokens\":52}}";

    private static final byte[] USAGE_DATA = USAGE.substring(6, USAGE.length() - 2).getBytes(StandardCharsets.UTF_8);
    private static final byte[] CHUNK_DATA = CHUNK.substring(6, CHUNK.length() - 2).getBytes(StandardCharsets.UTF_8);

    private ByteBuf stream;
    /** The same stream as the relay sees it from vLLM: one pooled slice of the socket's read buffer per event. */
    private List<ByteBuf> eventSlices;
    /** The same stream as one read of a socket: a slice of a pooled buffer, after a few bytes of another answer. */
    private ByteBuf streamReadBuffer;
    private ByteBuf streamRead;
    private ByteBuf request;
    /** {@link #ANSWER} as the relay reads it: a slice of a pooled socket buffer. */
    private ByteBuf answerRead;
    private ByteBuf answer;
    private ByteBuf toolAnswerRead;
    private ByteBuf toolAnswer;

    @Setup
    public void setUp() {
        stream = Unpooled.directBuffer().writeBytes((CHUNK.repeat(24) + USAGE + "data: [DONE]\n\n")
                .getBytes(StandardCharsets.UTF_8));
        final ByteBuf read = PooledByteBufAllocator.DEFAULT.directBuffer(stream.readableBytes());
        read.writeBytes(stream, stream.readerIndex(), stream.readableBytes());
        eventSlices = new ArrayList<>();
        final SseEventFramer framer = new SseEventFramer();
        int from = 0;
        int end;
        while ((end = framer.nextEventEnd(read, from, read.writerIndex())) >= 0) {
            eventSlices.add(read.retainedSlice(from, end - from));
            from = end;
        }
        read.release();
        streamReadBuffer = PooledByteBufAllocator.DEFAULT.directBuffer(stream.readableBytes() + 16).writeZero(16)
                .writeBytes(stream, stream.readerIndex(), stream.readableBytes());
        streamRead = streamReadBuffer.slice(16, stream.readableBytes());
        answerRead = PooledByteBufAllocator.DEFAULT.directBuffer(1024).writeZero(16)
                .writeBytes(ANSWER.getBytes(StandardCharsets.UTF_8));
        answer = answerRead.slice(16, answerRead.writerIndex() - 16);
        toolAnswerRead = PooledByteBufAllocator.DEFAULT.directBuffer(1024).writeZero(16)
                .writeBytes(TOOL_ANSWER.getBytes(StandardCharsets.UTF_8));
        toolAnswer = toolAnswerRead.slice(16, toolAnswerRead.writerIndex() - 16);
        request = Unpooled.directBuffer().writeBytes(("{\"messages\":[{\"role\":\"system\",\"content\":\""
                + "You are helpful. ".repeat(200) + "\"},{\"role\":\"user\",\"content\":\"Hello\"}],"
                + "\"model\":\"llama-3-8b\",\"stream\":true,\"temperature\":0.2}").getBytes(StandardCharsets.UTF_8));
    }

    @TearDown
    public void tearDown() {
        stream.release();
        streamReadBuffer.release();
        eventSlices.forEach(ByteBuf::release);
        request.release();
        answerRead.release();
        toolAnswerRead.release();
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

    /**
     * The usage tee and the stream-end check together, as the OpenAI watcher runs them, on events whose key letters
     * the framer did not place (each event a pooled slice): the watcher searches each event itself.
     */
    @Benchmark
    public Usage openAiWatcherOnPooledSlices() {
        final StreamWatcher watcher = Dialect.OPENAI.codec().watcher(OpenAiEndpoint.CHAT_COMPLETIONS, true);
        for (ByteBuf event : eventSlices) {
            watcher.onEvent(event, event.readerIndex(), event.writerIndex(), null);
        }
        return watcher.complete() ? watcher.usage() : null;
    }

    /**
     * What the passthrough relay does with a read of an OpenAI chat stream that brought many events at once (the
     * two-write stream): the watcher's framer finds each event's end and places its key letters in one pass, and the
     * watcher looks only at those places. The read is a pooled slice, as the relay is given.
     */
    @Benchmark
    public Usage openAiRelayPassOverOneRead() {
        final StreamWatcher watcher = Dialect.OPENAI.codec().watcher(OpenAiEndpoint.CHAT_COMPLETIONS, true);
        final SseEventFramer framer = watcher.framer();
        final int to = streamRead.writerIndex();
        int from = streamRead.readerIndex();
        int end;
        while ((end = framer.nextEventEnd(streamRead, from, to)) >= 0) {
            watcher.onEvent(streamRead, from, end, framer.places());
            from = end;
        }
        return watcher.complete() ? watcher.usage() : null;
    }

    /** The usage capture of a non-streaming answer: every byte looked at, the usage object copied and read. */
    @Benchmark
    public Usage jsonUsageTee() {
        return usageScan(answer).usage();
    }

    /** The scan alone: what the usage capture costs beyond reading the usage it copied. */
    @Benchmark
    public JsonUsageTee jsonUsageScan() {
        return usageScan(answer);
    }

    /** The same two for a tool call's answer, whose arguments hold an escaped quote every few bytes. */
    @Benchmark
    public Usage jsonUsageTeeToolCall() {
        return usageScan(toolAnswer).usage();
    }

    @Benchmark
    public JsonUsageTee jsonUsageScanToolCall() {
        return usageScan(toolAnswer);
    }

    private static JsonUsageTee usageScan(ByteBuf body) {
        final JsonUsageTee tee = new JsonUsageTee();
        tee.onContent(body);
        return tee;
    }

    @Benchmark
    public RequestFields requestScan() throws MalformedRequestException {
        return RequestScanner.scan(request);
    }

    /** What the gateway does to a request body: scan, plan the rename and usage edits, splice. */
    @Benchmark
    public int requestScanAndSplice() throws MalformedRequestException {
        final RequestPlan plan = RequestEdits.plan(RequestScanner.scan(request), OpenAiEndpoint.CHAT_COMPLETIONS,
                BACKEND_MODEL, true, 0);
        final ByteBuf spliced = JsonSplice.apply(PooledByteBufAllocator.DEFAULT, request, plan.edits());
        final int length = spliced.readableBytes();
        spliced.release();
        return length;
    }

    @Benchmark
    public EventUsage usageFromFinalChunk() {
        return UsageReader.readEvent(USAGE_DATA, USAGE_DATA.length);
    }

    /** One OpenAI chat chunk to the WebSocket API's StreamChunk, encoded as JSON. */
    @Benchmark
    public int translateChunkToWebSocketJson() throws IOException {
        final StreamDelta delta = OpenAiStreamDecoder.read(CHUNK_DATA, CHUNK_DATA.length);
        final WebSocketMessage message = WebSocketMessage.newBuilder().setChunk(StreamChunk.newBuilder()
                .setRequestId("r1").setContent(delta.content())).build();
        final ByteBuf out = PooledByteBufAllocator.DEFAULT.buffer(256);
        try (JsonGenerator g = Json.FACTORY.createGenerator((OutputStream) new ByteBufOutputStream(out))) {
            ProtoJson.write(message, g);
        }
        final int length = out.readableBytes();
        out.release();
        return length;
    }
}
