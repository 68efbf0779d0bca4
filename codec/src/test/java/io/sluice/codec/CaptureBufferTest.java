package io.sluice.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CaptureBufferTest {
    @Test
    void makesNoArrayUntilTheFirstByte() {
        final CaptureBuffer capture = new CaptureBuffer(512, 4096);

        assertTrue(capture.isEmpty());
        assertEquals(0, capture.array().length);

        assertTrue(capture.append((byte) 'a'));
        assertEquals(512, capture.array().length, "the first array has the initial capacity");
    }

    @Test
    void keepsWhatItCopiesAcrossGrowthUpToTheLimit() {
        final byte[] text = "data: {\"usage\":{\"prompt_tokens\":9}}\n\n".getBytes(StandardCharsets.US_ASCII);
        final ByteBuf source = Unpooled.wrappedBuffer(text);
        final CaptureBuffer capture = new CaptureBuffer(8, 60);

        assertTrue(capture.append(source, 0, 20));
        assertTrue(capture.append(source, 20, text.length - 20));
        assertArrayEquals(text, Arrays.copyOf(capture.array(), capture.length()));

        assertFalse(capture.append(source, 0, text.length), "past the limit");
        assertFalse(capture.append((byte) 'x'), "and it stays over it");
        assertEquals(text.length, capture.length());

        capture.reset();
        assertTrue(capture.isEmpty());
        assertTrue(capture.append(source, 0, 4));
        assertEquals(4, capture.length());
    }
}
