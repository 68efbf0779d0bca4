package io.sluice.codec.usage;

import io.netty.buffer.Unpooled;
import io.netty.buffer.ByteBuf;
import io.sluice.testkit.DirectBuffers;
import io.sluice.testkit.Splits;
import io.sluice.testkit.WireSamples;
import io.sluice.testkit.WireUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class JsonUsageTeeTest {

    static Stream<Arguments> bodies() {
        return WireUsage.BODIES.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void readsTopLevelUsageWhereverTheBodyIsCut(String sample, Usage expected) {
        final byte[] bytes = WireSamples.bytes(sample);
        for (List<byte[]> split : Splits.all(bytes, sample.hashCode())) {
            assertEquals(expected, run(split, false), sample);
            assertEquals(expected, run(split, true), sample);
        }
    }

    @Test
    void anthropicsPromptCacheCountsArePromptTokens() {
        final String body = "{\"type\":\"message\",\"usage\":{\"input_tokens\":5,\"cache_creation_input_tokens\":100,"
                + "\"cache_read_input_tokens\":2000,\"output_tokens\":30}}";
        assertEquals(new Usage(2105, 30, 2135, 2000, 0), run(List.of(body.getBytes(StandardCharsets.UTF_8))));
        final String proxied = "{\"usage\":{\"prompt_tokens\":2105,\"completion_tokens\":30,"
                + "\"cache_read_input_tokens\":2000,\"prompt_tokens_details\":{\"cached_tokens\":2000}}}";
        assertEquals(new Usage(2105, 30, 2135, 2000, 0), run(List.of(proxied.getBytes(StandardCharsets.UTF_8))),
                "a proxy's prompt_tokens already count the cache");
    }

    @Test
    void ignoresNestedUsageKeysAndKeysInsideStrings() {
        final String body = "{\"choices\":[{\"message\":{\"content\":\"\\\"usage\\\":{}\",\"usage\":{\"prompt_tokens\":7}}}],"
                + "\"note\":\"usage\",\"usage\" : {\"prompt_tokens\":3,\"completion_tokens\":4,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":2}},\"tail\":[1,{\"usage\":{}}]}";
        assertEquals(new Usage(3, 4, 7, 2, 0), run(List.of(body.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void escapesInLongStringsDoNotEndThemWhereverTheBodyIsCut() {
        final String text = "a \\\"usage\\\":{\\\"prompt_tokens\\\":9} \\\\\\\"}, \\\\\\\\".repeat(5);
        final String body = "{\"choices\":[{\"message\":{\"content\":\"" + text + "\"}}],\"x\\\"\":\""
                + text + "\",\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}";
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (List<byte[]> split : Splits.all(bytes, 7)) {
            assertEquals(new Usage(3, 4, 7, 0, 0), run(split), body);
        }
    }

    @Test
    void escapesInLongStringsOfTheUsageObjectDoNotEndItWhereverTheBodyIsCut() {
        // The captured value's strings are passed over a word at a time too: a quote, a bracket or a backslash
        // inside them, escaped, must neither end the string nor the object.
        final String note = "closing } and ] and \\\"quoted\\\" text, a backslash \\\\ then more }".repeat(3);
        final String body = "{\"choices\":[],\"usage\":{\"note\":\"" + note + "\",\"prompt_tokens\":3,"
                + "\"details\":{\"why\":\"" + note + "\"},\"completion_tokens\":4}}";
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (List<byte[]> split : Splits.all(bytes, 7)) {
            assertEquals(new Usage(3, 4, 7, 0, 0), run(split), body);
        }
    }

    @Test
    void errorsAndNonJsonBodiesHaveNoUsage() {
        assertNull(run(List.of(WireSamples.bytes("openai_error_429_rate_limit.json"))));
        assertNull(run(List.of("<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8))));
        assertNull(run(List.of("{\"usage\":null}".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aUsageObjectLargerThanTheCaptureIsNotReadWhereverTheBodyIsCut() {
        final String large = "{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"note\":\""
                + "x".repeat(70_000) + "\"}}";
        final byte[] bytes = large.getBytes(StandardCharsets.UTF_8);
        assertNull(run(List.of(bytes)));
        assertNull(run(List.of(Arrays.copyOf(bytes, 30_000), Arrays.copyOfRange(bytes, 30_000, bytes.length))));
        final String fits = "{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"note\":\""
                + "x".repeat(60_000) + "\"}}";
        assertEquals(new Usage(3, 4, 7, 0, 0), run(List.of(fits.getBytes(StandardCharsets.UTF_8))),
                "a large object within the capture's 64 KiB is read");
    }

    /** The usage read from {@code pieces} alike from heap buffers and from direct ones, whose memory is read. */
    private static Usage run(List<byte[]> pieces) {
        final Usage heap = run(pieces, false);
        assertEquals(heap, run(pieces, true), "direct buffers");
        return heap;
    }

    private static Usage run(List<byte[]> pieces, boolean direct) {
        final JsonUsageTee tee = new JsonUsageTee();
        for (byte[] piece : pieces) {
            final ByteBuf buf = direct ? DirectBuffers.of(piece) : Unpooled.wrappedBuffer(piece);
            try {
                tee.onContent(buf);
            } finally {
                buf.release();
            }
        }
        return tee.usage();
    }
}
