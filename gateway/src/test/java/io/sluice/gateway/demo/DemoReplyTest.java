package io.sluice.gateway.demo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo model's usage counts what it sent, and a token limit is a limit on those tokens. */
class DemoReplyTest {
    private static final String REPLY = "Hello! This is the Sluice demo model streaming through the gateway. Point a "
            + "provider in conf/sluice.yaml at a real model server to get real answers.";

    private static DemoRequest request(String json) throws Exception {
        final ByteBuf body = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        try {
            return DemoRequest.parse(body);
        } finally {
            body.release();
        }
    }

    @ParameterizedTest(name = "max_tokens {0}")
    @ValueSource(ints = {1, 2, 5, 16, 30})
    void aCutAnswerReportsTheTokensItSentAndNoMoreThanTheLimit(int limit) throws Exception {
        final DemoReply reply = DemoReply.answer(request("{\"model\":\"demo\",\"max_tokens\":" + limit + "}"), REPLY);
        assertEquals(DemoTokens.count(reply.text()), reply.completionTokens());
        assertTrue(reply.completionTokens() <= limit, reply.completionTokens() + " > " + limit);
        assertEquals("length", reply.finishReason());
        assertTrue(REPLY.startsWith(reply.text()));
    }

    @Test
    void aWholeAnswerStops() throws Exception {
        final DemoReply reply = DemoReply.answer(request("{\"model\":\"demo\"}"), REPLY);
        assertEquals(REPLY, reply.text());
        assertEquals("stop", reply.finishReason());
        assertEquals(DemoTokens.count(REPLY), reply.completionTokens());
    }
}
