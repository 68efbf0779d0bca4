package io.sluice.codec.usage;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.CaptureBuffer;
import io.sluice.codec.json.TopLevelObjectCapture;

/**
 * Reads the top-level {@code usage} object of a JSON response body as its pieces pass to the client, keeping only
 * a copy of that object. Runs on the event loop of its exchange; the buffers stay owned by the caller.
 */
public final class JsonUsageTee {
    private static final int MAX_USAGE_BYTES = 64 * 1024;

    private final CaptureBuffer capture = new CaptureBuffer(256, MAX_USAGE_BYTES);
    private final TopLevelObjectCapture usageField = new TopLevelObjectCapture("usage", capture);

    /** Looks at the readable bytes of one piece of the body. */
    public void onContent(ByteBuf content) {
        usageField.feed(content, content.readerIndex(), content.writerIndex());
    }

    /** The usage the body carried, or null. */
    public Usage usage() {
        return usageField.captured() ? UsageReader.readUsage(capture.array(), capture.length()) : null;
    }
}
