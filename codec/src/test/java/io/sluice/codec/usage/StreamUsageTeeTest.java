package io.sluice.codec.usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.BytePlaces;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.testkit.WireSamples;
import io.sluice.testkit.WireUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamUsageTeeTest {

    static Stream<Arguments> samplesWithUsage() {
        return WireUsage.STREAMS.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest
    @MethodSource("samplesWithUsage")
    void readsTheFinalUsageOfEachSample(String sample, Usage expected) {
        assertEquals(expected, run(sample, false).usage);
        assertEquals(expected, run(sample, true).usage);
    }

    @ParameterizedTest
    @MethodSource("samplesWithUsage")
    void dropsOnlyTheUsageOnlyChunkWhenAsked(String sample, Usage expected) {
        final Result kept = run(sample, false);
        final Result stripped = run(sample, true);
        assertTrue(kept.dropped.isEmpty(), "nothing is dropped when the client asked for usage");
        assertEquals(1, stripped.dropped.size(), sample);
        assertTrue(stripped.dropped.get(0).contains("\"choices\":[]"), stripped.dropped.get(0));
        final String original = new String(WireSamples.bytes(sample), StandardCharsets.UTF_8);
        assertEquals(original.replace(stripped.dropped.get(0), ""), stripped.forwarded);
    }

    @Test
    void streamsWithoutUsageReportNoneAndDropNothing() {
        for (String sample : WireUsage.STREAMS_WITHOUT_USAGE) {
            final Result result = run(sample, true);
            assertNull(result.usage, sample);
            assertTrue(result.dropped.isEmpty(), sample);
        }
    }

    @Test
    void readsTheResponsesApiCompletedEvent() {
        final String stream = "event: response.created\n"
                + "data: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"usage\":null}}\n\n"
                + "event: response.output_text.delta\n"
                + "data: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n"
                + "event: response.completed\n"
                + "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"output\":[],"
                + "\"usage\":{\"input_tokens\":36,\"input_tokens_details\":{\"cached_tokens\":20},"
                + "\"output_tokens\":87,\"output_tokens_details\":{\"reasoning_tokens\":64},\"total_tokens\":123}}}\n\n";
        final Result result = run(stream.getBytes(StandardCharsets.UTF_8), true);
        assertEquals(new Usage(36, 87, 123, 20, 64), result.usage);
        assertTrue(result.dropped.isEmpty(), "a Responses API event is never a usage-only chunk");
    }

    @Test
    void aUsageKeyInsideGeneratedTextIsNotUsage() {
        final String stream = "data: {\"choices\":[{\"delta\":{\"content\":\"say \\\"usage\\\": {1}\"}}]}\n\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1}}}\n\n"
                + "data: [DONE]\n\n";
        final Result result = run(stream.getBytes(StandardCharsets.UTF_8), false);
        assertEquals(new Usage(1, 2, 3, 1, 0), result.usage);
    }

    private record Result(Usage usage, List<String> dropped, String forwarded) {
    }

    private static Result run(String sample, boolean drop) {
        return run(WireSamples.bytes(sample), drop);
    }

    private static Result run(byte[] bytes, boolean drop) {
        final StreamUsageTee tee = new StreamUsageTee(drop);
        final SseEventFramer framer = new SseEventFramer();
        final BytePlaces places = new BytePlaces();
        final ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        final List<String> dropped = new ArrayList<>();
        final StringBuilder forwarded = new StringBuilder();
        try {
            int start = 0;
            int end;
            while (start < bytes.length) {
                end = framer.nextEventEnd(buf, start, bytes.length);
                if (end < 0) {
                    end = bytes.length;
                }
                final String event = buf.toString(start, end - start, StandardCharsets.UTF_8);
                places.collect(buf, start, end, UsageKeyMatcher.LETTER, UsageKeyMatcher.LETTER);
                if (tee.onEvent(buf, start, end, places)) {
                    dropped.add(event);
                } else {
                    forwarded.append(event);
                }
                start = end;
            }
        } finally {
            buf.release();
        }
        return new Result(tee.usage(), dropped, forwarded.toString());
    }
}
