package io.sluice.codec.usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.CaptureBuffer;
import io.sluice.codec.json.TopLevelObjectCapture;
import io.sluice.testkit.WireSamples;
import io.sluice.testkit.WireUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The usage objects backends write are read without a parser, to the counts Jackson reads; anything else is left to
 * Jackson, and {@link UsageReader#readUsage} still reads it as Jackson does.
 */
class PlainUsageReaderTest {
    static Stream<Arguments> bodies() {
        return WireUsage.BODIES.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void readsTheUsageObjectOfEveryWireSample(String sample, Usage expected) {
        final byte[] usage = usageObject(WireSamples.bytes(sample));
        assertEquals(expected, PlainUsageReader.read(usage, usage.length), sample);
        assertEquals(expected, UsageReader.readUsageWithJackson(usage, usage.length), sample);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        " {\"prompt_tokens\" : 12 ,\n\"completion_tokens\":\t3 } ",
        "{\"input_tokens\":5,\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":2000,\"output_tokens\":30,"
                + "\"service_tier\":\"standard\",\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"x\":[]},"
                + "\"server_tool_use\":null}",
        "{\"prompt_tokens\":7,\"prompt_tokens_details\":{\"audio_tokens\":0,\"cached_tokens\":4,\"cached_tokens\":5},"
                + "\"completion_tokens_details\":{},\"total_tokens\":99,\"cost\":1.5e-4,\"is_byok\":false,"
                + "\"list\":[1,-2.5,\"a\",[],{\"b\":[true]}]}",
        "{\"prompt_tokens\":1,\"prompt_tokens\":2,\"completion_tokens\":0}",
        "{}",
    })
    void readsPlainObjectsAsJacksonDoes(String json) {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        final Usage plain = PlainUsageReader.read(bytes, bytes.length);
        assertNotNull(plain, json);
        assertEquals(UsageReader.readUsageWithJackson(bytes, bytes.length), plain, json);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"prompt_tokens\":\"12\"}",
        "{\"prompt_tokens\":12.0}",
        "{\"prompt_tokens\":1e3}",
        "{\"prompt_tokens\":-1}",
        "{\"prompt_tokens\":1234567890123456789}",
        "{\"prompt_tokens\":012}",
        "{\"prompt_\\u0074okens\":12}",
        "{\"prompt_tokens\":12,\"note\":\"caf\u00e9\"}",
        "{\"prompt_tokens_details\":[1]}",
        "{\"prompt_tokens_details\":{\"cached_tokens\":null}}",
        "{\"a\":[[[[[[[[[1]]]]]]]]]}",
        "{\"prompt_tokens\":12}{}",
        "{\"prompt_tokens\":12,}",
        "{\"prompt_tokens\":12",
        "{\"a\":tru}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "[]",
        "",
    })
    void leavesAnythingElseToJackson(String json) {
        leftToJackson(json);
    }

    /** Jackson holds a key to 50,000 bytes, and the fuzz target vouches for inputs of 4,096 bytes at most. */
    @Test
    void leavesLongerBytesToJackson() {
        leftToJackson("{\"prompt_tokens\":7,\"" + "a".repeat(50_001) + "\":0}");
        leftToJackson("{\"prompt_tokens\":7,\"x\":\"" + "a".repeat(PlainUsageReader.MAX_LENGTH) + "\"}");
        final byte[] event = ("{\"choices\":[],\"usage\":{\"prompt_tokens\":7},\"" + "a".repeat(50_001) + "\":0}")
                .getBytes(StandardCharsets.UTF_8);
        assertNull(PlainUsageReader.readEvent(event, event.length));
        assertNull(UsageReader.readEvent(event, event.length), "Jackson refuses the key");
    }

    private static void leftToJackson(String json) {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        assertNull(PlainUsageReader.read(bytes, bytes.length), json);
        assertEquals(UsageReader.readUsageWithJackson(bytes, bytes.length), UsageReader.readUsage(bytes, bytes.length),
                json);
    }

    static Stream<Arguments> streams() {
        return WireUsage.STREAMS.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    /** Every event of a wire sample that names usage reads as Jackson reads it, and the last one without a parser. */
    @ParameterizedTest
    @MethodSource("streams")
    void readsTheUsageEventsOfEveryWireSample(String sample, Usage expected) {
        final List<byte[]> events = usageEvents(WireSamples.bytes(sample));
        for (byte[] data : events) {
            final EventUsage plain = PlainUsageReader.readEvent(data, data.length);
            if (plain != null) {
                assertEquals(UsageReader.readEventWithJackson(data, data.length),
                        plain == PlainUsageReader.NO_USAGE ? null : plain, sample);
            }
        }
        final byte[] last = events.get(events.size() - 1);
        final EventUsage event = PlainUsageReader.readEvent(last, last.length);
        assertNotNull(event, sample);
        assertEquals(expected, event.usage(), sample);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
                + "\"completion_tokens\":4}}",
        "{\"choices\":[{\"index\":0,\"delta\":{}}],\"usage\":{\"prompt_tokens\":3},\"choices\":[]}",
        "{\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"usage\":{\"input_tokens\":5,"
                + "\"output_tokens\":2,\"output_tokens_details\":{\"reasoning_tokens\":1}},\"output\":[]}}",
        "{\"usage\":{\"prompt_tokens\":1},\"response\":{\"status\":\"done\"}}",
        "{\"usage\":{\"prompt_tokens\":1},\"usage\":null}",
    })
    void readsPlainEventsAsJacksonDoes(String json) {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        final EventUsage plain = PlainUsageReader.readEvent(bytes, bytes.length);
        assertNotNull(plain, json);
        assertEquals(UsageReader.readEventWithJackson(bytes, bytes.length), plain, json);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"choices\":[]}", "{\"usage\":null}", "{\"response\":{\"usage\":[]}}"})
    void anEventWithoutAUsageObjectHasNone(String json) {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        assertSame(PlainUsageReader.NO_USAGE, PlainUsageReader.readEvent(bytes, bytes.length), json);
        assertNull(UsageReader.readEvent(bytes, bytes.length), json);
        assertNull(UsageReader.readEventWithJackson(bytes, bytes.length), json);
    }

    /** The data of each event of an event stream that names usage. */
    private static List<byte[]> usageEvents(byte[] stream) {
        final List<byte[]> events = new ArrayList<>();
        for (String line : new String(stream, StandardCharsets.UTF_8).split("\r?\n")) {
            if (line.startsWith("data:") && line.contains("\"usage\"")) {
                events.add(line.substring(5).strip().getBytes(StandardCharsets.UTF_8));
            }
        }
        return events;
    }

    /** The top-level usage object of a body, as the JSON tee captures it. */
    private static byte[] usageObject(byte[] body) {
        final CaptureBuffer capture = new CaptureBuffer(256, 64 * 1024);
        final ByteBuf buf = Unpooled.wrappedBuffer(body);
        new TopLevelObjectCapture("usage", capture).feed(buf, 0, body.length);
        return Arrays.copyOf(capture.array(), capture.length());
    }
}
