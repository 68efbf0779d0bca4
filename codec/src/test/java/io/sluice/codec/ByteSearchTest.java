package io.sluice.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ByteSearchTest {
    /** Words {@link ByteSearch#startsWith} is asked for, of the bytes the random buffers below are made of. */
    private static final byte[][] WORDS = {new byte[0], "g".getBytes(StandardCharsets.ISO_8859_1),
        "gu".getBytes(StandardCharsets.ISO_8859_1), "\"gu\n".getBytes(StandardCharsets.ISO_8859_1),
        "ab\r\n\"gu\u00ff".getBytes(StandardCharsets.ISO_8859_1)};
    /** What lies around the slice below: bytes the tests search for, so that a read past either end would show. */
    private static final byte[] FENCE = {'\n', '\r', 'g', 'z', 'y', (byte) 0xff, '\n', 'g'};
    /**
     * Buffers of the kinds a search meets, each holding {@code bytes} from index 0 to its writer index: the first
     * four have a memory address, which the search reads itself; the last two go to {@link ByteBuf#indexOf}.
     */
    private static final List<Function<byte[], ByteBuf>> KINDS = List.of(
            bytes -> PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes),
            bytes -> {
                // A slice of a pooled read, as an event of a larger socket read reaches the relay.
                final ByteBuf read = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length + 16);
                read.writeBytes(FENCE).writeBytes(bytes).writeBytes(FENCE);
                final ByteBuf slice = read.retainedSlice(FENCE.length, bytes.length);
                read.release();
                return slice;
            },
            bytes -> PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes).asReadOnly(),
            bytes -> Unpooled.compositeBuffer().addComponent(true, Unpooled.directBuffer().writeBytes(bytes)),
            bytes -> Unpooled.wrappedBuffer(bytes.clone()),
            bytes -> {
                final CompositeByteBuf composite = Unpooled.compositeBuffer();
                final int half = bytes.length / 2;
                composite.addComponent(true, Unpooled.directBuffer().writeBytes(bytes, 0, half));
                composite.addComponent(true, Unpooled.wrappedBuffer(bytes, half, bytes.length - half));
                return composite;
            });

    @Test
    void theSearchReadsMemoryHere() {
        assertTrue(PlatformDependent.isUnaligned(), "else every test below checks only the fallback");
        for (Function<byte[], ByteBuf> kind : KINDS.subList(0, 4)) {
            final ByteBuf buf = kind.apply(new byte[] {'a'});
            try {
                assertTrue(buf.hasMemoryAddress(), buf.getClass().getSimpleName());
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void memoryIsGivenOnlyWhereTheSearchesReadItAndReadsTheBuffersBytes() {
        final byte[] bytes = "a\"b\\c".getBytes(StandardCharsets.US_ASCII);
        for (int k = 0; k < KINDS.size(); k++) {
            final ByteBuf buf = KINDS.get(k).apply(bytes);
            try {
                final long address = ByteSearch.memoryOf(buf, 0, bytes.length);
                if (k >= 4) {
                    assertEquals(0, address, buf.getClass().getSimpleName());
                    continue;
                }
                for (int i = 0; i < bytes.length; i++) {
                    assertEquals(bytes[i], PlatformDependent.getByte(address + i), buf.getClass().getSimpleName());
                }
                assertThrows(IndexOutOfBoundsException.class, () -> ByteSearch.memoryOf(buf, 0, buf.capacity() + 1));
            } finally {
                buf.release();
            }
        }
        final ByteBuf released = PooledByteBufAllocator.DEFAULT.directBuffer(8).writeZero(8);
        released.release();
        assertThrows(IllegalReferenceCountException.class, () -> ByteSearch.memoryOf(released, 0, 8));
    }

    @Test
    void findsWhatALinearSearchFindsInEveryRangeAndKindOfBuffer() {
        final Random random = new Random(9);
        for (int round = 0; round < 200; round++) {
            final byte[] bytes = new byte[random.nextInt(70)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) "ab\n\r\"gu\u00ff".charAt(random.nextInt(8));
            }
            for (Function<byte[], ByteBuf> kind : KINDS) {
                final ByteBuf buf = kind.apply(bytes);
                try {
                    for (int from = 0; from <= bytes.length; from++) {
                        for (byte[] word : WORDS) {
                            if (from + word.length <= bytes.length) {
                                final int at = from;
                                assertEquals(linearStartsWith(bytes, at, word), ByteSearch.startsWith(buf, at, word),
                                        () -> buf.getClass().getSimpleName() + " " + new String(word) + " at " + at);
                            }
                        }
                        for (int to = from; to <= bytes.length; to += 1 + random.nextInt(3)) {
                            for (byte value : new byte[] {'\n', '\r', 'g', (byte) 0xff, 'z'}) {
                                assertEquals(linear(bytes, from, to, value), ByteSearch.indexOf(buf, from, to, value),
                                        () -> buf.getClass().getSimpleName() + " " + value);
                            }
                            for (byte[] pair : new byte[][] {{'\n', '\r'}, {'\r', '\n'}, {'g', 'z'}, {'z', 'y'}}) {
                                final int either = min(linear(bytes, from, to, pair[0]),
                                        linear(bytes, from, to, pair[1]));
                                assertEquals(either, ByteSearch.indexOfEither(buf, from, to, pair[0], pair[1]),
                                        () -> buf.getClass().getSimpleName() + " " + pair[0] + " or " + pair[1]);
                            }
                        }
                    }
                } finally {
                    buf.release();
                }
            }
        }
    }

    @Test
    void anEmptyOrBackwardRangeHoldsNothing() {
        final ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(16).writeBytes("gggggggggggggggg".getBytes());
        try {
            assertEquals(-1, ByteSearch.indexOf(buf, 4, 4, (byte) 'g'));
            assertEquals(-1, ByteSearch.indexOf(buf, 9, 3, (byte) 'g'));
            assertEquals(-1, ByteSearch.indexOfEither(buf, 9, 3, (byte) 'g', (byte) 'h'));
        } finally {
            buf.release();
        }
    }

    @Test
    void neverReadsOutsideTheBuffer() {
        final ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(16, 16).writeZero(16);
        try {
            assertThrows(IndexOutOfBoundsException.class, () -> ByteSearch.indexOf(buf, 0, 17, (byte) 'g'));
            assertThrows(IndexOutOfBoundsException.class, () -> ByteSearch.indexOf(buf, -1, 8, (byte) 'g'));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> ByteSearch.indexOfEither(buf, 0, 17, (byte) 'g', (byte) 'h'));
            // The range is refused before any byte is compared: a first byte that differs does not hide it.
            assertThrows(IndexOutOfBoundsException.class, () -> ByteSearch.startsWith(buf, 15, new byte[] {1, 0}));
            assertThrows(IndexOutOfBoundsException.class, () -> ByteSearch.startsWith(buf, -1, new byte[] {1}));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> ByteSearch.startsWith(buf, Integer.MAX_VALUE - 1, new byte[] {1, 0, 0}));
        } finally {
            buf.release();
        }
        assertThrows(IllegalReferenceCountException.class, () -> ByteSearch.indexOf(buf, 0, 8, (byte) 'g'));
        assertThrows(IllegalReferenceCountException.class, () -> ByteSearch.startsWith(buf, 0, new byte[] {0}));
        // A buffer without a memory address is refused the same ranges.
        final ByteBuf heap = Unpooled.wrappedBuffer(new byte[16]);
        assertThrows(IndexOutOfBoundsException.class, () -> ByteSearch.indexOf(heap, -1, 8, (byte) 'g'));
        assertThrows(IndexOutOfBoundsException.class,
                () -> ByteSearch.indexOfEither(heap, 0, 17, (byte) 'g', (byte) 'h'));
        assertThrows(IndexOutOfBoundsException.class, () -> ByteSearch.startsWith(heap, 15, new byte[] {1, 0}));
    }

    /** The smaller of two indexes where -1 means none. */
    private static int min(int a, int b) {
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    private static boolean linearStartsWith(byte[] bytes, int at, byte[] word) {
        for (int k = 0; k < word.length; k++) {
            if (bytes[at + k] != word[k]) {
                return false;
            }
        }
        return true;
    }

    private static int linear(byte[] bytes, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
