package io.sluice.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The bytes of an upstream request head: the request line, the headers in the order given, a provider's headers
 * last and in place of any of the same name, and the encodings Netty's encoder used (UTF-8 target, one byte per
 * char in headers).
 */
class RequestHeadTest {
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);

    @Test
    void writesTheRequestLineTheHeadersAndTheBlankLine() {
        final ByteBuf head = RequestHead.start(alloc, HttpMethod.POST, "/v1/chat/completions?x=1", List.of())
                .header(HttpHeaderNames.HOST, "backend:8000")
                .header(AsciiString.of("Content-Length"), "13")
                .header("x-custom", "kept")
                .header("x-custom", "twice")
                .end();
        assertEquals("""
                POST /v1/chat/completions?x=1 HTTP/1.1\r
                host: backend:8000\r
                Content-Length: 13\r
                x-custom: kept\r
                x-custom: twice\r
                \r
                """, text(head));
    }

    @Test
    void aProviderHeaderReplacesEveryHeaderOfItsNameAndTheLastOfANameWins() {
        final List<Map.Entry<String, String>> provider = List.of(Map.entry("Authorization", "Bearer first"),
                Map.entry("X-Title", "Example App"), Map.entry("authorization", "Bearer sk-provider"));
        final ByteBuf head = RequestHead.start(alloc, HttpMethod.GET, "/v1/models", provider)
                .header("host", "api.example")
                .header("x-title", "the client's")
                .header("AUTHORIZATION", "Bearer sk-client")
                .header("user-agent", "sluice")
                .end();
        assertEquals("""
                GET /v1/models HTTP/1.1\r
                host: api.example\r
                user-agent: sluice\r
                X-Title: Example App\r
                authorization: Bearer sk-provider\r
                \r
                """, text(head));
    }

    @Test
    void theTargetIsUtf8AndHeaderCharsAreOneByteEach() {
        final ByteBuf head = RequestHead.start(alloc, HttpMethod.POST, "/deployments/modèle", List.of())
                .header("x-latin", "café")
                .header("x-beyond", "€")
                .end();
        final byte[] bytes = new byte[head.readableBytes()];
        head.readBytes(bytes);
        head.release();
        final byte[] expected = concat("POST /deployments/mod".getBytes(StandardCharsets.US_ASCII),
                "è".getBytes(StandardCharsets.UTF_8),
                "le HTTP/1.1\r\nx-latin: ".getBytes(StandardCharsets.US_ASCII),
                "café".getBytes(StandardCharsets.ISO_8859_1),
                "\r\nx-beyond: ?\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(expected, bytes);
    }

    @Test
    void aLineInWireFormGoesAsItIsUnlessTheProviderSetsItsName() {
        final AsciiString lines = AsciiString.of("x-kept: 1\r\nAuthorization: Bearer sk-client\r\nx-Title: t\r\n");
        final ByteBuf head = RequestHead.start(alloc, HttpMethod.POST, "/v1/chat/completions",
                        List.of(Map.entry("authorization", "Bearer sk-provider"), Map.entry("X-TITLE", "p")))
                .line(lines, 0, 6, 11)
                .line(lines, 11, 24, 44)
                .line(lines, 44, 51, 56)
                .end();
        assertEquals("""
                POST /v1/chat/completions HTTP/1.1\r
                x-kept: 1\r
                authorization: Bearer sk-provider\r
                X-TITLE: p\r
                \r
                """, text(head));
    }

    @Test
    void aDiscardedHeadGivesItsBufferBack() {
        final long before = alloc.metric().usedDirectMemory();
        RequestHead.start(alloc, HttpMethod.POST, "/v1/chat/completions", List.of()).header("host", "h").discard();
        assertEquals(before, alloc.metric().usedDirectMemory());
    }

    private static String text(ByteBuf head) {
        try {
            return head.toString(StandardCharsets.ISO_8859_1);
        } finally {
            head.release();
        }
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        final byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
