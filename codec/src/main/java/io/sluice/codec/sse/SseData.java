package io.sluice.codec.sse;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.ByteSearch;
import io.sluice.codec.CaptureBuffer;

/**
 * Reads the data of one Server-Sent Event: the values of its {@code data:} lines, joined by LF, as the SSE
 * specification assembles them. Other fields and comment lines are skipped.
 */
public final class SseData {
    private SseData() {
    }

    /**
     * Copies the data of the event in {@code [from, to)} of {@code event} into {@code out} (which is reset first).
     *
     * @return false when the event has no data line or its data is over the capture limit
     */
    public static boolean copyData(ByteBuf event, int from, int to, CaptureBuffer out) {
        out.reset();
        boolean found = false;
        int lineStart = from;
        while (lineStart < to) {
            final int lineEnd = lineEnd(event, lineStart, to);
            if (isDataLine(event, lineStart, lineEnd)) {
                if (found && !out.append((byte) '\n')) {
                    return false;
                }
                int valueStart = lineStart + 5;
                if (valueStart < lineEnd && event.getByte(valueStart) == ' ') {
                    valueStart++;
                }
                if (!out.append(event, valueStart, lineEnd - valueStart)) {
                    return false;
                }
                found = true;
            }
            lineStart = nextLineStart(event, lineEnd, to);
        }
        return found;
    }

    private static int lineEnd(ByteBuf buf, int from, int to) {
        final int end = ByteSearch.indexOfEither(buf, from, to, (byte) '\n', (byte) '\r');
        return end < 0 ? to : end;
    }

    private static int nextLineStart(ByteBuf buf, int lineEnd, int to) {
        if (lineEnd >= to) {
            return to;
        }
        if (buf.getByte(lineEnd) == '\r' && lineEnd + 1 < to && buf.getByte(lineEnd + 1) == '\n') {
            return lineEnd + 2;
        }
        return lineEnd + 1;
    }

    private static boolean isDataLine(ByteBuf buf, int from, int lineEnd) {
        return lineEnd - from >= 5
                && buf.getByte(from) == 'd'
                && buf.getByte(from + 1) == 'a'
                && buf.getByte(from + 2) == 't'
                && buf.getByte(from + 3) == 'a'
                && buf.getByte(from + 4) == ':';
    }
}
