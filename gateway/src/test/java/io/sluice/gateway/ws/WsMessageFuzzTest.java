package io.sluice.gateway.ws;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.sluice.proto.WebSocketMessage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing (Jazzer) of the gateway's WebSocket message decoding as a client's bytes reach it: the
 * fuzzer's payload goes out as a JSON text or Protobuf binary message, fragmented where it chooses, masked as a
 * client masks, and written to an {@link EmbeddedChannel} with the gateway's frame decoder and aggregator in pieces
 * cut where it chooses; {@link WsFormat} then reads the whole message. The message read (or the refusal) must not
 * depend on the cuts, a refusal must be an {@link IOException} whose text is short and never Jackson's own (which
 * quotes the bytes it choked on), and finding the request id of a refused message must not throw. Leaks fail
 * through paranoid leak detection. The normal test run fuzzes briefly; {@code bench/fuzz.sh} fuzzes longer.
 */
class WsMessageFuzzTest {
    private static final int MAX_MESSAGE = 1 << 20;
    /** Longer than any refusal of a JSON message worded here; a quoted message would run past it. */
    private static final int MAX_REASON = 200;

    @FuzzTest(maxDuration = "5s")
    @DictionaryEntries({"{\"request\":{", "\"request_id\":\"r\"", "\"model\"", "\"messages\":[", "\"role\"",
        "\"content\"", "\"stream\":true", "\"cancel\":{", "\"max_tokens\":", "\"metadata\":{", "}", "]"})
    void webSocketMessages(FuzzedDataProvider data) throws IOException {
        final WsFormat format = data.consumeBoolean() ? WsFormat.JSON : WsFormat.PROTOBUF;
        final int[] fragments = lengths(data, 4, 64);
        final int[] pieces = lengths(data, 8, 128);
        final byte[] payload = data.consumeRemainingAsBytes();

        final Outcome whole = read(format, format == WsFormat.JSON
                ? new TextWebSocketFrame(Unpooled.wrappedBuffer(payload))
                : new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        final EmbeddedChannel server = new EmbeddedChannel(
                new WebSocket13FrameDecoder(WebSocketUpgrade.decoderConfig(MAX_MESSAGE)),
                new WebSocketFrameAggregator(MAX_MESSAGE));
        try {
            final byte[] wire = masked(format, payload, fragments);
            int at = 0;
            for (int i = 0; at < wire.length; i++) {
                final int length = i < pieces.length ? Math.min(pieces[i], wire.length - at) : wire.length - at;
                server.writeInbound(Unpooled.copiedBuffer(wire, at, length));
                at += length;
            }
            server.checkException();
            final WebSocketFrame aggregated = server.readInbound();
            assertNotNull(aggregated, "the message did not come out of the aggregator whole");
            assertEquals(whole, read(format, aggregated), "the message read depends on how it was cut");
        } finally {
            server.finishAndReleaseAll();
        }
    }

    /** Up to {@code most} lengths, each up to {@code longest}, drawn from the input. */
    private static int[] lengths(FuzzedDataProvider data, int most, int longest) {
        final int[] lengths = new int[data.consumeInt(0, most)];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = data.consumeInt(0, longest);
        }
        return lengths;
    }

    /** The payload as a client sends it: a data frame and continuations of the given lengths, masked. */
    private static byte[] masked(WsFormat format, byte[] payload, int[] fragments) {
        final List<WebSocketFrame> frames = new ArrayList<>();
        int at = 0;
        for (int i = 0; i <= fragments.length; i++) {
            final boolean last = i == fragments.length;
            final int length = last ? payload.length - at : Math.min(fragments[i], payload.length - at);
            final ByteBuf content = Unpooled.copiedBuffer(payload, at, length);
            at += length;
            frames.add(i > 0 ? new ContinuationWebSocketFrame(last, 0, content)
                    : format == WsFormat.JSON ? new TextWebSocketFrame(last, 0, content)
                    : new BinaryWebSocketFrame(last, 0, content));
        }
        final EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
        try {
            frames.forEach(client::writeOutbound);
            final ByteBuf wire = Unpooled.buffer();
            ByteBuf written;
            while ((written = client.readOutbound()) != null) {
                wire.writeBytes(written);
                written.release();
            }
            final byte[] bytes = new byte[wire.readableBytes()];
            wire.readBytes(bytes).release();
            return bytes;
        } finally {
            client.finishAndReleaseAll();
        }
    }

    /** The message a frame holds, or the reason it was refused; the frame is released. */
    private static Outcome read(WsFormat format, WebSocketFrame frame) {
        try {
            return new Outcome(format.decode(frame), null);
        } catch (IOException refused) {
            final String reason = String.valueOf(refused.getMessage());
            if (format == WsFormat.JSON) {
                // Protobuf's refusals are its own fixed sentences; JSON's are ours, and must quote nothing.
                assertTrue(reason.length() <= MAX_REASON, "a refusal too long to be our own words: " + reason);
                assertFalse(reason.contains("Source:") || reason.contains("jackson"), "Jackson's words: " + reason);
            }
            assertNotNull(format.requestIdOf(frame, refused));
            return new Outcome(null, reason);
        } finally {
            frame.release();
        }
    }

    private record Outcome(WebSocketMessage message, String refusal) {
    }
}
