package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.codec.json.JsonTree;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.Answer;
import io.sluice.providers.Dialect;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.Served;
import io.sluice.providers.uniform.UniformCodec;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every recorded stream of one dialect, translated for a client of the other by {@link TranslatingRelay} with the
 * bytes split at every boundary, says what the recording says: the same text, reasoning, tool calls, finish reason
 * and usage when the client's own decoder reads it back, in a stream that is well formed for the client.
 */
class TranslationTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final Served SERVED = new Served("id-1", "public-model", "provider-1");

    @ParameterizedTest
    @CsvSource({
        "openai_chat_stream_usage.txt, OPENAI, ANTHROPIC",
        "openai_chat_stream_no_usage.txt, OPENAI, ANTHROPIC",
        "openai_chat_stream_usage_2024_gpt4o.txt, OPENAI, ANTHROPIC",
        "openai_chat_stream_tool_call.txt, OPENAI, ANTHROPIC",
        "openai_chat_stream_parallel_tool_calls.txt, OPENAI, ANTHROPIC",
        "azure_chat_stream.txt, OPENAI, ANTHROPIC",
        "openrouter_chat_stream_reconstructed.txt, OPENAI, ANTHROPIC",
        "vllm_chat_stream_continuous_usage.txt, OPENAI, ANTHROPIC",
        "tgi_chat_stream.txt, OPENAI, ANTHROPIC",
        "tgi_chat_stream_usage_reconstructed.txt, OPENAI, ANTHROPIC",
        "ollama_openai_compat_stream_reconstructed.txt, OPENAI, ANTHROPIC",
        "anthropic_stream_basic_docs.txt, ANTHROPIC, OPENAI",
        "anthropic_stream_basic_sdkfixture.txt, ANTHROPIC, OPENAI",
        "anthropic_stream_tool_use.txt, ANTHROPIC, OPENAI",
        "anthropic_stream_tool_use_sdkfixture.txt, ANTHROPIC, OPENAI",
        "anthropic_stream_tool_use_with_server_tool.txt, ANTHROPIC, OPENAI",
        "anthropic_stream_thinking_docs.txt, ANTHROPIC, OPENAI",
        "anthropic_stream_thinking_text.txt, ANTHROPIC, OPENAI",
    })
    void aRecordedStreamSaysTheSameInTheOtherDialectHoweverItsBytesAreSplit(String sample, Dialect backend,
                                                                          Dialect client) {
        final byte[] wire = terminated(WireSamples.bytes(sample));
        final Read expected = read(backend.codec(), wire);
        final byte[] whole = translate(backend, client, wire, wire.length);
        assertWellFormed(client, new String(whole, StandardCharsets.UTF_8));
        assertSame(expected, read(client.codec(), whole), sample);
        // Pieces of one byte split the input at every boundary in one pass; the others mix boundaries.
        for (int piece : new int[] {1, 2, 3, 7, 64, 1000}) {
            assertSame(expected, read(client.codec(), translate(backend, client, wire, piece)),
                    sample + " in pieces of " + piece);
        }
    }

    /**
     * The SDKs' fixtures end their last event without the blank line that dispatches it (their parsers flush at the
     * end); a server ends every event, and Sluice, like the SSE specification, takes an unended last event as cut.
     */
    private static byte[] terminated(byte[] sample) {
        final String text = new String(sample, StandardCharsets.UTF_8);
        return text.endsWith("\n\n") ? sample : (text.stripTrailing() + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource({
        "openai_chat_stream_usage_2024_gpt4o.txt, OPENAI",
        "openai_chat_stream_parallel_tool_calls.txt, OPENAI",
        "openrouter_chat_stream_reconstructed.txt, OPENAI",
        "vllm_chat_stream_continuous_usage.txt, OPENAI",
        "tgi_chat_stream_usage_reconstructed.txt, OPENAI",
        "anthropic_stream_tool_use.txt, ANTHROPIC",
        "anthropic_stream_thinking_text.txt, ANTHROPIC",
        "anthropic_stream_tool_use_with_server_tool.txt, ANTHROPIC",
    })
    void aRecordedStreamSaysTheSameAsUniformEventsInOneBytePieces(String sample, Dialect backend)
            throws Exception {
        final byte[] wire = terminated(WireSamples.bytes(sample));
        final Answer expected = read(backend.codec(), wire).answer();
        final Collected sink = new Collected();
        final StringBuilder shown = new StringBuilder();
        final TranslatingRelay relay = new TranslatingRelay(sink, backend.codec(), UnaryOperator.identity(),
                UniformCodec.STREAM, true, true, SERVED, true, delta -> {
                    shown.append(delta.content());
                    return delta;
                });
        for (int at = 0; at < wire.length; at++) {
            relay.onContent(Unpooled.wrappedBuffer(wire, at, 1));
        }
        assertNull(relay.failure());
        relay.onEnd();
        assertEquals(expected.content(), shown.toString(), "every delta the client was shown was seen");
        final StringBuilder tokens = new StringBuilder();
        final StringBuilder reasoning = new StringBuilder();
        final Map<Object, StringBuilder> arguments = new TreeMap<>();
        final Map<Object, String> names = new TreeMap<>();
        final Matcher m = Pattern.compile("event: (\\w+)\ndata: (.*)\n\n").matcher(sink.text());
        Map<String, Object> end = null;
        while (m.find()) {
            final ByteBuf data = Unpooled.copiedBuffer(m.group(2), StandardCharsets.UTF_8);
            final Map<String, Object> event = JsonTree.readObject(data);
            data.release();
            switch (m.group(1)) {
                case "token" -> tokens.append(event.get("token"));
                case "reasoning" -> reasoning.append(event.get("text"));
                case "tool_call" -> {
                    final int index = ((Number) event.get("index")).intValue();
                    arguments.computeIfAbsent(index, i -> new StringBuilder()).append(event.get("arguments"));
                    if (!"".equals(event.get("name"))) {
                        names.put(index, event.get("id") + " " + event.get("name"));
                    }
                }
                case "end" -> end = event;
                default -> throw new AssertionError("unknown event " + m.group(1));
            }
        }
        assertEquals(expected.content(), tokens.toString(), sample);
        assertEquals(expected.reasoning(), reasoning.toString(), sample);
        assertEquals(expected.toolCalls().stream().map(Answer.ToolCall::arguments).toList(),
                arguments.values().stream().map(StringBuilder::toString).toList(), sample);
        assertEquals(expected.toolCalls().stream().map(call -> call.id() + " " + call.name()).toList(),
                List.copyOf(names.values()), sample);
        assertNotNull(end, "one end event");
        assertEquals(expected.finishReason(), end.get("finish_reason"));
        if (expected.usage() != null) {
            final Map<String, Object> usage = JsonTree.asObject(end.get("usage"));
            assertEquals(expected.usage().promptTokens(), ((Number) usage.get("prompt_tokens")).longValue());
            assertEquals(expected.usage().completionTokens(), ((Number) usage.get("completion_tokens")).longValue());
        }
        assertEquals("provider-1", end.get("provider"));
    }

    @ParameterizedTest
    @CsvSource({
        "anthropic_stream_error_overloaded_docs.txt, ANTHROPIC, OPENAI, Overloaded",
        "anthropic_stream_error_overloaded_observed.txt, ANTHROPIC, OPENAI, Overloaded",
        "openrouter_midstream_error_reconstructed.txt, OPENAI, ANTHROPIC, ",
        "tgi_error_event_reconstructed.txt, OPENAI, ANTHROPIC, ",
    })
    void anErrorInsideTheStreamEndsTheTranslationAsAFailure(String sample, Dialect backend, Dialect client,
                                                           String message) {
        final Collected sink = new Collected();
        final TranslatingRelay relay = relay(sink, backend, client, true);
        relay.onContent(Unpooled.wrappedBuffer(WireSamples.bytes(sample)));
        final String failure = relay.failure();
        assertNotNull(failure, sample);
        if (message != null) {
            assertEquals(message, failure);
        }
        sink.text();
    }

    @ParameterizedTest
    @CsvSource({
        "openai_chat_nonstream.json, OPENAI, ANTHROPIC",
        "openai_chat_nonstream_tool_calls_normalized.json, OPENAI, ANTHROPIC",
        "azure_chat_nonstream_normalized.json, OPENAI, ANTHROPIC",
        "anthropic_messages_nonstream.json, ANTHROPIC, OPENAI",
        "anthropic_messages_nonstream_inference_geo.json, ANTHROPIC, OPENAI",
    })
    void aWholeAnswerIsWrittenWholeInTheOtherDialect(String sample, Dialect backend, Dialect client) {
        final byte[] wire = WireSamples.bytes(sample);
        final var expected = backend.codec().decodeAnswer(wire, wire.length);
        final Collected sink = new Collected();
        final TranslatingRelay relay = new TranslatingRelay(sink, backend.codec(), UnaryOperator.identity(),
                client.codec(), false, false, SERVED, true, null);
        relay.onContent(Unpooled.wrappedBuffer(wire, 0, wire.length / 2));
        relay.onContent(Unpooled.wrappedBuffer(wire, wire.length / 2, wire.length - wire.length / 2));
        assertNull(relay.failure());
        relay.onEnd();
        final byte[] written = sink.text().getBytes(StandardCharsets.UTF_8);
        final var actual = client.codec().decodeAnswer(written, written.length);
        assertEquals(expected.content(), actual.content());
        assertEquals(expected.finishReason(), actual.finishReason());
        assertEquals(expected.toolCalls().size(), actual.toolCalls().size());
        for (int i = 0; i < expected.toolCalls().size(); i++) {
            assertEquals(expected.toolCalls().get(i).name(), actual.toolCalls().get(i).name());
            assertEquals(compact(expected.toolCalls().get(i).arguments()),
                    compact(actual.toolCalls().get(i).arguments()));
        }
        assertUsage(expected.usage(), actual.usage(), sample);
        assertEquals(expected.usage(), relay.usage());
    }

    private static TranslatingRelay relay(Collected sink, Dialect backend, Dialect client, boolean stream) {
        return new TranslatingRelay(sink, backend.codec(), UnaryOperator.identity(), client.codec(), stream, stream,
                SERVED, true, null);
    }

    /** The stream translated, fed to the relay in pieces of {@code piece} bytes. */
    private static byte[] translate(Dialect backend, Dialect client, byte[] wire, int piece) {
        final Collected sink = new Collected();
        final TranslatingRelay relay = relay(sink, backend, client, true);
        for (int at = 0; at < wire.length; at += piece) {
            relay.onContent(Unpooled.wrappedBuffer(wire, at, Math.min(piece, wire.length - at)));
        }
        assertNull(relay.failure(), "the stream ended whole");
        relay.onEnd();
        return sink.text().getBytes(StandardCharsets.UTF_8);
    }

    /** What a client of that dialect reads from a stream: the whole answer, and its output event by event. */
    private record Read(Answer answer, List<String> events) {
    }

    private static Read read(DialectCodec dialect, byte[] stream) {
        final DeltaReader reader = new DeltaReader(dialect, true);
        final Answer answer = new Answer();
        final List<String> events = new ArrayList<>();
        final ByteBuf buf = Unpooled.wrappedBuffer(stream);
        reader.read(buf, delta -> {
            assertNull(delta.error(), delta.error());
            answer.add(delta);
            if (!delta.reasoning().isEmpty()) {
                events.add("reasoning " + delta.reasoning());
            }
            if (!delta.content().isEmpty()) {
                events.add("text " + delta.content());
            }
            delta.toolCalls().forEach(piece -> events.add("tool " + piece.index() + " " + piece.id() + " "
                    + piece.name() + " " + piece.arguments()));
        });
        buf.release();
        assertTrue(reader.ended(), "the stream ends with its final event");
        return new Read(answer, events);
    }

    /** The same output, piece for piece in the same order, and the same ending. */
    private static void assertSame(Read expected, Read actual, String where) {
        assertEquals(expected.events(), actual.events(), where);
        assertSame(expected.answer(), actual.answer(), where);
    }

    private static void assertSame(Answer expected, Answer actual, String where) {
        assertEquals(expected.content(), actual.content(), where);
        assertEquals(expected.reasoning(), actual.reasoning(), where);
        assertEquals(expected.finishReason(), actual.finishReason(), where);
        assertEquals(expected.toolCalls().size(), actual.toolCalls().size(), where);
        for (int i = 0; i < expected.toolCalls().size(); i++) {
            final Answer.ToolCall want = expected.toolCalls().get(i);
            final Answer.ToolCall got = actual.toolCalls().get(i);
            assertEquals(want.id(), got.id(), where);
            assertEquals(want.name(), got.name(), where);
            assertEquals(want.arguments(), got.arguments(), where);
        }
        assertUsage(expected.usage(), actual.usage(), where);
    }

    /** The counts both dialects can say (Anthropic has no reasoning tokens). */
    private static void assertUsage(Usage expected, Usage actual, String where) {
        if (expected == null) {
            return;
        }
        assertNotNull(actual, where);
        assertEquals(expected.promptTokens(), actual.promptTokens(), where);
        assertEquals(expected.completionTokens(), actual.completionTokens(), where);
        assertEquals(expected.cachedTokens(), actual.cachedTokens(), where);
    }

    /** The event order a client of the dialect relies on. */
    private static void assertWellFormed(Dialect client, String stream) {
        if (client == Dialect.OPENAI) {
            assertTrue(stream.endsWith("data: [DONE]\n\n"), stream);
            assertEquals(1, count(stream, "\"role\":\"assistant\""), stream);
            return;
        }
        final List<String> events = new ArrayList<>();
        final Matcher m = Pattern.compile("^event: (\\w+)$", Pattern.MULTILINE).matcher(stream);
        while (m.find()) {
            events.add(m.group(1));
        }
        assertEquals("message_start", events.get(0), stream);
        assertEquals("message_stop", events.get(events.size() - 1), stream);
        assertEquals("message_delta", events.get(events.size() - 2), stream);
        int open = 0;
        for (String event : events) {
            if (event.equals("content_block_start")) {
                assertEquals(0, open, "one block at a time: " + stream);
                open++;
            } else if (event.equals("content_block_stop")) {
                assertEquals(1, open, stream);
                open--;
            } else if (event.equals("content_block_delta")) {
                assertEquals(1, open, "a delta inside its block: " + stream);
            }
        }
        assertEquals(0, open, stream);
    }

    private static int count(String text, String word) {
        int n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
            n++;
        }
        return n;
    }

    private static String compact(String json) {
        return json.replaceAll("\\s", "");
    }

    /** The client side of the relay: what it writes, kept as text, its buffers released. */
    private static final class Collected implements ClientSink {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        @Override
        public void write(ByteBuf bytes) {
            out.writeBytes(ByteBufUtil.getBytes(bytes));
            bytes.release();
        }

        @Override
        public ByteBufAllocator alloc() {
            return ALLOC;
        }

        String text() {
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
