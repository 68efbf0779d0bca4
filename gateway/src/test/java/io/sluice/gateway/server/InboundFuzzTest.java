package io.sluice.gateway.server;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.util.ReferenceCountUtil;
import io.sluice.gateway.http.MalformedRequests;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Coverage-guided fuzzing (Jazzer) of what a client's bytes meet first, through {@link EmbeddedChannel} with the
 * input cut where the fuzzer chooses: the HTTP/1.1 request decoder with Sluice's stricter rules and the reasons
 * Sluice gives for refusing (which must never quote the request), and the WebSocket frame decoder with the
 * gateway's limits (which may refuse only with its own exceptions). Leaks fail through paranoid leak detection.
 * The normal test run replays the seeds and fuzzes each target briefly; {@code bench/fuzz.sh} fuzzes longer.
 */
class InboundFuzzTest {
    /** Bytes from the input that must never reappear in a reason: long enough not to be a common word. */
    private static final int ECHO_PROBE = 12;
    /** The field names that {@code MalformedRequests}' fixed reasons name. */
    private static final List<String> NAMED_FIELDS = List.of("Transfer-Encoding", "Content-Length");

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
        final EmbeddedChannel channel = new EmbeddedChannel(new StrictRequestDecoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(8192).setMaxHeaderSize(16 * 1024).setMaxChunkSize(64 * 1024)));
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
