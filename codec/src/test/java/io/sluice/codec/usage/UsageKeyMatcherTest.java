package io.sluice.codec.usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.BytePlaces;
import io.sluice.testkit.DirectBuffers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The matcher is shown the places of every {@code g} of a range, as a framer or a watcher collects them. */
class UsageKeyMatcherTest {
    private final BytePlaces places = new BytePlaces();

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"usage\":{\"prompt_tokens\":1}}",
            "{\"choices\":[],\"usage\" : \t{\"total_tokens\":3}}",
            "{\"content\":\"useful, unusual\",\"usage\":\n{}}",
            "{\"id\":\"u\",\"usage\":{}}",
            "\"usage\":{"})
    void findsAUsageKeyWithAnObjectValue(String json) {
        assertTrue(matches(json), json);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"usage\":null}",
            "{\"usage\":[]}",
            "{\"content\":\"say \\\"usage\\\":{ please\"}",
            "{\"usages\":{}}",
            "{\"xusage\":{}}",
            "usage\":{",
            "{\"usage\":",
            "{\"usage\"",
            "u",
            ""})
    void ignoresAnythingElse(String json) {
        assertFalse(matches(json), json);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void looksOnlyInsideItsRange(boolean direct) {
        final byte[] bytes = "xx\"usage\":{}yy".getBytes(StandardCharsets.UTF_8);
        final ByteBuf buf = direct ? DirectBuffers.of(bytes) : Unpooled.wrappedBuffer(bytes);
        try {
            assertTrue(hasKey(buf, 2, 12));
            assertFalse(hasKey(buf, 3, 12), "the opening quote is outside the range");
            assertFalse(hasKey(buf, 2, 10), "the brace is outside the range");
        } finally {
            buf.release();
        }
    }

    /** The answer for a heap buffer, checked against a direct one's (the relay's pooled reads). */
    private boolean matches(String json) {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        final ByteBuf heap = Unpooled.wrappedBuffer(bytes);
        final ByteBuf direct = DirectBuffers.of(bytes);
        try {
            final boolean matches = hasKey(heap, 0, heap.writerIndex());
            assertEquals(matches, hasKey(direct, 0, direct.writerIndex()), json);
            return matches;
        } finally {
            heap.release();
            direct.release();
        }
    }

    private boolean hasKey(ByteBuf buf, int from, int to) {
        places.collect(buf, from, to, UsageKeyMatcher.LETTER, UsageKeyMatcher.LETTER);
        return UsageKeyMatcher.hasKey(buf, from, to, places);
    }
}
