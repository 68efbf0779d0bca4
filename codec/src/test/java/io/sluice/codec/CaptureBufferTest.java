package io.sluice.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaptureBufferTest {
    @Test
    void reserveKeepsWhatWasCopiedAndAppendsUpToItCopyNothingAgain() {
        final CaptureBuffer capture = new CaptureBuffer(4, 100);
        final ByteBuf src = Unpooled.wrappedBuffer("abcdefghij".getBytes(StandardCharsets.US_ASCII));
        assertTrue(capture.append(src, 0, 3));
        capture.reserve(64);
        final byte[] reserved = capture.array();
        assertEquals(64, reserved.length);
        assertTrue(capture.append(src, 3, 7));
        assertSame(reserved, capture.array(), "no copy within the reserved room");
        assertArrayEquals("abcdefghij".getBytes(StandardCharsets.US_ASCII),
                Arrays.copyOf(capture.array(), capture.length()));
        capture.reserve(8);
        assertSame(reserved, capture.array(), "a smaller reserve changes nothing");
    }

    @Test
    void reserveStopsAtTheLimitWhichStillHolds() {
        final CaptureBuffer capture = new CaptureBuffer(4, 10);
        capture.reserve(1 << 20);
        assertEquals(10, capture.array().length);
        final ByteBuf src = Unpooled.wrappedBuffer(new byte[11]);
        assertTrue(capture.append(src, 0, 10));
        assertFalse(capture.append(src, 0, 1), "past the limit");
    }
}
