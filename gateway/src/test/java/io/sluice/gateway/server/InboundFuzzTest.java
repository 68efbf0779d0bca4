package io.sluice.gateway.server;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.util.ReferenceCountUtil;
import io.sluice.gateway.http.MalformedRequests;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing (Jazzer) of what a client's bytes meet first, through {@link EmbeddedChannel} with the
 * input cut where the fuzzer chooses: the HTTP/1.1 request decoder with Sluice's stricter rules and the reasons
 * Sluice gives for refusing (which must never quote the request), what Sluice's reader of plain requests reads
 * against what Netty's decoder reads, and the WebSocket frame decoder with the
 * gateway's limits (which may refuse only with its own exceptions). Leaks fail through paranoid leak detection.
 * The normal test run replays the seeds and fuzzes each target briefly; {@code bench/fuzz.sh} fuzzes longer.
 */
class InboundFuzzTest {
    /** Bytes from the input that must never reappear in a reason: long enough not to be a common word. */
    private static final int ECHO_PROBE = 12;
    /** The field names that {@code MalformedRequests}' fixed reasons name. */
    private static final List<String> NAMED_FIELDS = List.of("Transfer-Encoding", "Content-Length");
    private static final int MAX_LINE = 8192;
    private static final int MAX_FIELDS = 16 * 1024;
    private static final int MAX_PIECE = 64 * 1024;

    /**
     * Writes {@code bytes} in pieces cut at places drawn from the input itself (so a finding replays exactly), a
     * piece at a time as separate reads.
     */
    private static void writeInPieces(EmbeddedChannel channel, byte[] bytes) {
        final Random cuts = new Random(Arrays.hashCode(bytes));
        int at = 0;
        while (at < bytes.length) {
            final int length = Math.min(bytes.length - at, 1 + cuts.nextInt(cuts.nextBoolean() ? 8 : 512));
            channel.writeInbound(Unpooled.copiedBuffer(bytes, at, length));
            at += length;
        }
    }

    @FuzzTest(maxDuration = "5s")
    @DictionaryEntries({"POST ", "GET ", " HTTP/1.1\\x0d\\x0a", " HTTP/1.0\\x0d\\x0a", "host: x\\x0d\\x0a",
        "content-length: ",
        "transfer-encoding: chunked\\x0d\\x0a", "\\x0d\\x0a\\x0d\\x0a", "\\x0d\\x0a", "0\\x0d\\x0a\\x0d\\x0a", ";ext=1", "expect: 100-continue\\x0d\\x0a",
        "authorization: Bearer sk-"})
    void httpRequestDecoder(byte[] input) {
        final EmbeddedChannel channel = new EmbeddedChannel(new StrictRequestDecoder(decoderConfig()));
        try {
            writeInPieces(channel, input);
            channel.checkException();
            Object message;
            while ((message = channel.readInbound()) != null) {
                try {
                    final DecoderResult result = ((DecoderResultProvider) message).decoderResult();
                    if (result.isFailure()) {
                        final String reason = message instanceof HttpRequest
                                ? MalformedRequests.headReason(result.cause())
                                : MalformedRequests.bodyReason(result.cause());
                        assertQuotesNothing(reason, input);
                    }
                } finally {
                    ReferenceCountUtil.release(message);
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    /**
     * Whatever {@link PlainRequestReader} reads whole, Netty's own decoder, given the bytes it read, reads the same
     * way: a request that it does not refuse, with the same line, the same fields in the same order, the same body,
     * and its end. The reader refuses nothing and reads only what it is sure of, so this is the whole of its contract.
     */
    @FuzzTest(maxDuration = "5s")
    @DictionaryEntries({"POST ", "GET ", " HTTP/1.1\\x0d\\x0a", " HTTP/1.0\\x0d\\x0a", "host: x\\x0d\\x0a",
        "content-length: ", "Content-Length: 0\\x0d\\x0a", "transfer-encoding: chunked\\x0d\\x0a",
        "\\x0d\\x0a\\x0d\\x0a", "\\x0d\\x0a", "\\x09", "expect: 100-continue\\x0d\\x0a", "upgrade: h2c\\x0d\\x0a"})
    void plainRequestsReadAsNettyReadsThem(byte[] input) {
        final ByteBuf in = Unpooled.wrappedBuffer(input);
        final FullHttpRequest plain = new PlainRequestReader(MAX_LINE, MAX_FIELDS, MAX_PIECE).read(in);
        if (plain == null) {
            assertEquals(0, in.readerIndex(), "what the reader leaves, it leaves untouched");
            return;
        }
        final EmbeddedChannel netty = new EmbeddedChannel(new HttpRequestDecoder(decoderConfig()));
        final ByteBuf body = Unpooled.buffer();
        try {
            netty.writeInbound(Unpooled.wrappedBuffer(input, 0, in.readerIndex()));
            final HttpRequest request = netty.readInbound();
            assertTrue(request.decoderResult().isSuccess(), "Netty refuses what the reader read");
            assertEquals(request.method(), plain.method());
            assertEquals(request.uri(), plain.uri());
            assertEquals(request.protocolVersion(), plain.protocolVersion());
            assertEquals(fields(request.headers()), fields(plain.headers()));
            HttpContent piece = request instanceof HttpContent content ? content : null;
            while (!(piece instanceof LastHttpContent)) {
                piece = netty.readInbound();
                assertTrue(piece != null && piece.decoderResult().isSuccess(), "Netty's body ends as the reader's");
                body.writeBytes(piece.content());
                piece.release();
            }
            assertEquals(body, plain.content());
            assertNull(netty.readInbound(), "Netty read one request from those bytes");
        } finally {
            plain.release();
            body.release();
            netty.finishAndReleaseAll();
        }
    }

    /**
     * The request decoder reads the same requests, refuses the same ones for the same reasons, and finds the same
     * bodies whether or not {@link PlainRequestReader} reads the plain ones, with the input cut into the same pieces:
     * it takes turns with Netty's decoder without either losing its place.
     */
    @FuzzTest(maxDuration = "5s")
    @DictionaryEntries({"POST ", "GET ", " HTTP/1.1\\x0d\\x0a", " HTTP/1.0\\x0d\\x0a", "host: x\\x0d\\x0a",
        "content-length: ", "Content-Length: 0\\x0d\\x0a", "transfer-encoding: chunked\\x0d\\x0a",
        "\\x0d\\x0a\\x0d\\x0a", "\\x0d\\x0a", "\\x09", "\\x0b", "0\\x0d\\x0a\\x0d\\x0a", "expect: 100-continue\\x0d\\x0a"})
    void requestsReadAlikeWithOrWithoutThePlainReader(byte[] input) {
        final EmbeddedChannel withReader = new EmbeddedChannel(new StrictRequestDecoder(decoderConfig()));
        final EmbeddedChannel nettyAlone = new EmbeddedChannel(new StrictRequestDecoder(decoderConfig(), false));
        try {
            writeInPieces(withReader, input);
            writeInPieces(nettyAlone, input);
            withReader.finish();
            nettyAlone.finish();
            assertEquals(requests(nettyAlone), requests(withReader));
        } finally {
            withReader.finishAndReleaseAll();
            nettyAlone.finishAndReleaseAll();
        }
    }

    /** Each request a channel passed on: its line, fields, body and end, whether it came whole or in pieces. */
    private static List<String> requests(EmbeddedChannel channel) {
        final List<String> requests = new ArrayList<>();
        final StringBuilder body = new StringBuilder();
        Object message;
        while ((message = channel.readInbound()) != null) {
            try {
                final DecoderResult result = ((DecoderResultProvider) message).decoderResult();
                if (message instanceof HttpRequest request) {
                    requests.add(request.method() + " " + request.uri() + " " + request.protocolVersion() + " "
                            + fields(request.headers()) + (result.isSuccess() ? "" : " refused: " + result.cause()));
                }
                if (message instanceof HttpContent content) {
                    body.append(content.content().toString(StandardCharsets.ISO_8859_1));
                    if (!result.isSuccess() && !(message instanceof HttpRequest)) {
                        requests.add("body refused: " + result.cause());
                    }
                }
                if (message instanceof LastHttpContent last) {
                    requests.add("body " + body + " trailers " + fields(last.trailingHeaders()));
                    body.setLength(0);
                }
            } finally {
                ReferenceCountUtil.release(message);
            }
        }
        if (body.length() > 0) {
            requests.add("body so far " + body);
        }
        return requests;
    }

    private static HttpDecoderConfig decoderConfig() {
        return new HttpDecoderConfig().setMaxInitialLineLength(MAX_LINE).setMaxHeaderSize(MAX_FIELDS)
                .setMaxChunkSize(MAX_PIECE);
    }

    private static List<String> fields(HttpHeaders headers) {
        final List<String> fields = new ArrayList<>();
        headers.iteratorCharSequence().forEachRemaining(field -> fields.add(field.getKey() + ": " + field.getValue()));
        return fields;
    }

    /**
     * Checks that no probe of the input reappears in the reason, outside the field names a reason names by design:
     * a request that sends {@code transfer-Encoding} to an HTTP/1.0 head has its bytes "sfer-Encodin" in the reason's
     * own wording, which is no echo.
     */
    private static void assertQuotesNothing(String reason, byte[] input) {
        String ownWords = reason;
        for (String name : NAMED_FIELDS) {
            ownWords = ownWords.replace(name, "\0");
        }
        final String text = new String(input, StandardCharsets.ISO_8859_1);
        for (int i = 0; i + ECHO_PROBE <= text.length(); i += ECHO_PROBE) {
            final String probe = text.substring(i, i + ECHO_PROBE);
            assertFalse(ownWords.contains(probe), "the reason quotes the request: " + reason);
        }
    }

    @FuzzTest(maxDuration = "5s")
    void webSocketFrames(byte[] input) {
        final EmbeddedChannel channel = new EmbeddedChannel(new WebSocket13FrameDecoder(WebSocketDecoderConfig
                .newBuilder().maxFramePayloadLength(64 * 1024).allowExtensions(false)
                .closeOnProtocolViolation(false).build()), new WebSocketFrameAggregator(64 * 1024));
        try {
            writeInPieces(channel, input);
            channel.checkException();
        } catch (CorruptedWebSocketFrameException | TooLongFrameException refused) {
            // The decoder's own refusals, which the session answers with a close code.
        } finally {
            try {
                channel.finishAndReleaseAll();
            } catch (PrematureChannelClosureException closedMidMessage) {
                // The aggregator's word for a socket that closed with a message half-read: what a client that
                // leaves mid-frame causes, and the session simply closes. Everything held is released by then.
            }
        }
    }
}
