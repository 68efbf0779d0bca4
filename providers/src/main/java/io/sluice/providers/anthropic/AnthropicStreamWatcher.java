package io.sluice.providers.anthropic;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.BytePlaces;
import io.sluice.codec.ByteSearch;
import io.sluice.codec.CaptureBuffer;
import io.sluice.codec.sse.SseData;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamWatcher;

import java.nio.charset.StandardCharsets;

/**
 * Watches an Anthropic stream relayed byte for byte: the usage of {@code message_start} and {@code message_delta},
 * and whether {@code message_stop} came. Only those events (and {@code error}) are decoded, told apart by their
 * {@code event:} line; the content events, nearly all of the stream, are passed over by a look at their first
 * bytes. Nothing is ever left out.
 */
final class AnthropicStreamWatcher implements StreamWatcher {
    private static final byte[] MESSAGE_EVENT = "event: message_".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR_EVENT = "event: error".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_EVENT_DATA = 1 << 20;

    private final AnthropicStreamDecoder decoder = new AnthropicStreamDecoder();
    private final CaptureBuffer data = new CaptureBuffer(256, MAX_EVENT_DATA);
    private Usage usage;

    @Override
    public boolean onEvent(ByteBuf buf, int from, int to, BytePlaces letters) {
        if (named(buf, from, to, MESSAGE_EVENT) || named(buf, from, to, ERROR_EVENT)) {
            if (SseData.copyData(buf, from, to, data)) {
                final StreamDelta delta = decoder.decode(data.array(), data.length());
                if (delta != null && delta.usage() != null) {
                    usage = delta.usage();
                }
            }
        }
        return false;
    }

    private static boolean named(ByteBuf buf, int from, int to, byte[] eventLine) {
        return to - from >= eventLine.length && ByteSearch.startsWith(buf, from, eventLine);
    }

    @Override
    public boolean complete() {
        return decoder.ended();
    }

    @Override
    public Usage usage() {
        return usage;
    }
}
