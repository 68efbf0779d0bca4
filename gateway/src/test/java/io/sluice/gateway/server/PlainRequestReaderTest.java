package io.sluice.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link PlainRequestReader} reads whole, what it leaves to Netty's decoder untouched, and that
 * {@link StrictRequestDecoder} lets it read only between requests. {@link InboundFuzzTest} checks that whatever it
 * reads, Netty's decoder reads the same way.
 */
class PlainRequestReaderTest {
    private static final int MAX_LINE = 64;
    private static final int MAX_FIELDS = 96;
    private static final int MAX_BODY = 32;

    private final PlainRequestReader reader = new PlainRequestReader(MAX_LINE, MAX_FIELDS, MAX_BODY);

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    @Test
    void readsAPostWithItsBodyAndStopsAtTheNextRequest() {
        final ByteBuf in = bytes("POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: gw\r\n"
                + "Content-Type:\tapplication/json \r\ncontent-length: 7\r\nX-Empty:  \r\n\r\n"
                + "{\"a\":1}GET / HTTP/1.1\r\n");
        final FullHttpRequest request = reader.read(in);
        try {
            assertNotNull(request);
            assertEquals(HttpMethod.POST, request.method());
            assertEquals("/v1/chat/completions?x=1", request.uri());
            assertEquals(HttpVersion.HTTP_1_1, request.protocolVersion());
            assertEquals("gw", request.headers().get("host"));
            assertEquals("application/json", request.headers().get("content-type"), "the spaces around a value go");
            assertEquals("7", request.headers().get("Content-Length"));
            assertEquals("", request.headers().get("x-empty"));
            assertEquals(4, request.headers().size());
            assertEquals("{\"a\":1}", request.content().toString(StandardCharsets.US_ASCII));
            assertTrue(request.decoderResult().isSuccess());
            assertEquals("GET / HTTP/1.1\r\n", in.toString(StandardCharsets.US_ASCII), "read up to its body's end");
        } finally {
            ReferenceCountUtil.release(request);
            in.release();
        }
        assertEquals(0, in.refCnt(), "the body was a slice of the read, released with the request");
    }

    @Test
    void readsABodilessRequestOfEitherVersion() {
        final ByteBuf in = bytes("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\nOPTIONS * HTTP/1.1\r\n\r\n");
        try {
            final FullHttpRequest first = reader.read(in);
            assertEquals(HttpVersion.HTTP_1_0, first.protocolVersion());
            assertEquals(0, first.content().readableBytes());
            first.release();
            final FullHttpRequest second = reader.read(in);
            assertEquals(HttpMethod.OPTIONS, second.method());
            assertEquals("*", second.uri());
            second.release();
            assertFalse(in.isReadable());
        } finally {
            in.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc",                 // the body is still arriving
        "POST / HTTP/1.1\r\nHost: x\r\n",                                   // so is the head
        "POST / HTTP/1.1\r\nContent-Length: 33\r\n\r\n",                    // a body over the piece size
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",   // chunked framing
        "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
        "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
        "GET / HTTP/1.1\r\nSec-WebSocket-Key1: 1\r\n\r\n",                   // a hixie-76 handshake has a body
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
        "POST / HTTP/1.1\r\nContent-Length: 01\r\n\r\nx",                  // a leading zero
        "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx",
        "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx",
        "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",                              // a folded line
        "GET / HTTP/1.1\nHost: x\r\n\r\n",                                  // a bare LF
        "GET / HTTP/1.1\r\nHost: x\n\r\n",
        "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",                                 // a CR alone
        "GET / HTTP/1.1\r\n\rA: b\r\n\r\n",                                  // a line that only begins with CR LF's CR
        "GET / HTTP/1.1\r\nA: b\u0001\r\n\r\n",                              // a control byte
        "GET / HTTP/1.1\r\nA: caf\u00e9\r\n\r\n",                            // obs-text
        "GET / HTTP/1.1\r\nA : b\r\n\r\n",                                   // a space before the colon
        "GET / HTTP/1.1\r\n: b\r\n\r\n",
        "GET / HTTP/1.1\r\nA\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",                                           // two spaces
        "GET / HTTP/1.1 \r\n\r\n",
        "GET / HTTP/2.0\r\n\r\n",
        "GET / HTTP/1.10\r\n\r\n",
        "get / HTTP/1.1\r\n\r\n",
        "\r\nGET / HTTP/1.1\r\n\r\n",                                       // a line before the request
        "GET /caf\u00e9 HTTP/1.1\r\n\r\n",
    })
    void leavesAllElseToNettyUntouched(String text) {
        final ByteBuf in = bytes(text);
        try {
            assertNull(reader.read(in));
            assertEquals(0, in.readerIndex());
        } finally {
            in.release();
        }
    }

    @Test
    void readsRightUpToTheDecodersLimitsAndNoFurther() {
        // The limits as Netty counts them: a request line of 64 bytes, fields of 96, each without its CR LF.
        final String line = "GET /" + "x".repeat(MAX_LINE - 14) + " HTTP/1.1";
        final String fields = "A: " + "a".repeat(MAX_FIELDS / 2 - 3) + "\r\n"
                + "B: " + "b".repeat(MAX_FIELDS / 2 - 3) + "\r\n";
        assertEquals(MAX_LINE, line.length());
        assertEquals(MAX_FIELDS, fields.length() - 4);
        assertRead(true, line + "\r\n" + fields + "\r\n");
        assertRead(false, line.replace("GET /", "GET /x") + "\r\n" + fields + "\r\n");
        assertRead(false, line + "\r\n" + fields.replace("A: ", "A: a") + "\r\n");
    }

    private void assertRead(boolean read, String text) {
        final ByteBuf in = bytes(text);
        try {
            final FullHttpRequest request = reader.read(in);
            assertEquals(read, request != null);
            ReferenceCountUtil.release(request);
        } finally {
            in.release();
        }
    }

    /** What the decoder passes on, each message's kind and, for a request, its line. */
    private static List<String> decode(EmbeddedChannel channel, String... pieces) {
        for (String piece : pieces) {
            channel.writeInbound(bytes(piece));
        }
        final List<String> seen = new ArrayList<>();
        HttpObject message;
        while ((message = channel.readInbound()) != null) {
            try {
                final String result = message.decoderResult().isSuccess() ? "" : " refused";
                if (message instanceof FullHttpRequest full) {
                    seen.add("whole " + full.method() + " " + full.uri() + result);
                } else if (message instanceof HttpRequest request) {
                    seen.add("head " + request.method() + " " + request.uri() + result);
                } else if (message instanceof LastHttpContent) {
                    seen.add("end" + result);
                } else {
                    assertInstanceOf(HttpContent.class, message);
                    seen.add("piece");
                }
            } finally {
                ReferenceCountUtil.release(message);
            }
        }
        return seen;
    }

    private static EmbeddedChannel decoder() {
        return new EmbeddedChannel(new StrictRequestDecoder(new HttpDecoderConfig().setMaxInitialLineLength(MAX_LINE)
                .setMaxHeaderSize(MAX_FIELDS).setMaxChunkSize(MAX_BODY)));
    }

    @Test
    void theDecoderReadsPlainRequestsWholeAndTheRestAsNettyDoes() {
        final EmbeddedChannel channel = decoder();
        try {
            assertEquals(List.of("whole POST /a", "head POST /b", "piece", "end", "whole GET /c"),
                    decode(channel, "POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"
                            + "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
                            + "GET /c HTTP/1.1\r\n\r\n"));
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aHeadNettyHasBegunIsNettysToTheEnd() {
        final EmbeddedChannel channel = decoder();
        try {
            // Netty takes in the first lines of a head; what comes next are more of its lines, even when they
            // look like a request of their own, which Netty refuses as a field line without a colon.
            final List<String> seen = decode(channel, "POST /a HTTP/1.1\r\nHost: x\r\n",
                    "GET /smuggled HTTP/1.1\r\n\r\n");
            assertEquals(List.of("head POST /a refused"), seen);
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aLineNettyHasBegunIsNettysToTheEndEvenIfItTookNoByte() {
        final EmbeddedChannel channel = decoder();
        try {
            // A first read too short for a request: Netty's decoder moves past where blank lines may come without
            // taking a byte of it. It reads that request, and is back where it began for the next, whose blank line
            // it skips.
            assertEquals(List.of(), decode(channel, "GET / HTTP"));
            assertEquals(List.of("head GET /", "end"), decode(channel, "/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(List.of("head GET /b", "end"), decode(channel, "\r\nGET /b HTTP/1.1\r\n\r\n"));
            assertEquals(List.of("whole GET /c"), decode(channel, "GET /c HTTP/1.1\r\n\r\n"));
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void afterARefusalNothingIsReadAgain() {
        final EmbeddedChannel channel = decoder();
        try {
            assertEquals(List.of("whole GET /bad-request refused"),
                    decode(channel, "GET / HTTP/2.0\r\n\r\nGET /after HTTP/1.1\r\n\r\n"));
            assertEquals(List.of(), decode(channel, "GET /later HTTP/1.1\r\n\r\n"));
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
