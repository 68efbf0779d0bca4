package io.sluice.gateway.admission;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The prompt estimate reads a JSON body's escapes, so that how a client escapes its text does not change it. */
class PromptTokensTest {
    private static long count(String json) {
        final ByteBuf body = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        try {
            return PromptTokens.forModel("gpt-4o").count(body, body.readerIndex(), body.readableBytes());
        } finally {
            body.release();
        }
    }

    @Test
    void anEscapedPromptCountsAsTheSameTextWrittenOut() {
        final String text = "日本語のテキストを数えます。😀 é";
        final StringBuilder escaped = new StringBuilder();
        text.chars().forEach(c -> escaped.append(String.format("\\u%04x", c)));
        assertEquals(count("{\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\\nnext\"}]}"),
                count("{\"messages\":[{\"role\":\"user\",\"content\":\"" + escaped + "\\nnext\"}]}"));
    }

    @Test
    void escapesAreReadAndOneCutShortStaysAsWritten() {
        assertEquals("a\"b\\c/d\ne\tf😀", PromptTokens.unescaped("a\\\"b\\\\c\\/d\\ne\\tf\\ud83d\\ude00"));
        assertEquals("x\\u00", PromptTokens.unescaped("x\\u00"));
        assertEquals("no escapes", PromptTokens.unescaped("no escapes"));
    }
}
