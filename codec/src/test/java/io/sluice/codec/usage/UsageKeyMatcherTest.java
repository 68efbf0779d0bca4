package io.sluice.codec.usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsageKeyMatcherTest {
    private final UsageKeyMatcher matcher = new UsageKeyMatcher();

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

    @Test
    void looksOnlyInsideItsRange() {
        final byte[] bytes = "xx\"usage\":{}yy".getBytes(StandardCharsets.UTF_8);
        final ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            assertTrue(matcher.matches(buf, 2, 12));
            assertFalse(matcher.matches(buf, 3, 12), "the opening quote is outside the range");
            assertFalse(matcher.matches(buf, 2, 10), "the brace is outside the range");
        } finally {
            buf.release();
        }
    }

    private boolean matches(String json) {
        final ByteBuf buf = Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.UTF_8));
        try {
            return matcher.matches(buf, 0, buf.writerIndex());
        } finally {
            buf.release();
        }
    }
}
