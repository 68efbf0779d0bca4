package io.sluice.codec;

import io.netty.buffer.ByteBuf;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.SWARUtil;

/**
 * Finds a byte in a range of a buffer, eight bytes at a time, reading a direct buffer's memory itself.
 *
 * <p>It exists because the relay's searches are short (one SSE line or event, a few hundred bytes) and many (several
 * per event), and {@link ByteBuf#indexOf} pays a fixed cost on each call that is larger than the search on such a
 * range: index and reference-count checks, the unaligned head read a byte at a time, and for a slice of a pooled
 * buffer two virtual calls per word. Reading the memory address of a direct buffer (pooled socket reads and their
 * slices, the buffers the relay sees) costs one load per word; every other buffer (heap, composite) goes to
 * {@link ByteBuf#indexOf}. The word test is Netty's {@link SWARUtil}, exact for every byte.
 *
 * <p>Stateless; the caller owns the buffer and must hold a reference to it for the call.
 */
public final class ByteSearch {
    private ByteSearch() {
    }

    /**
     * The absolute index of the first {@code value} in {@code [from, to)} of {@code buf}, or -1 when there is none
     * (also when {@code from >= to}).
     *
     * @throws IndexOutOfBoundsException when the range is not within the buffer's capacity
     */
    public static int indexOf(ByteBuf buf, int from, int to, byte value) {
        if (from >= to) {
            return -1;
        }
        if (!buf.hasMemoryAddress() || !PlatformDependent.isUnaligned()) {
            return buf.indexOf(from, to, value);
        }
        if (buf.refCnt() == 0) {
            throw new IllegalReferenceCountException(0);
        }
        if (from < 0 || to > buf.capacity()) {
            throw new IndexOutOfBoundsException("range " + from + ".." + to + " of a buffer of " + buf.capacity());
        }
        final long address = buf.memoryAddress();
        final long pattern = SWARUtil.compilePattern(value);
        int i = from;
        for (final int lastWord = to - Long.BYTES; i <= lastWord; i += Long.BYTES) {
            final long found = SWARUtil.applyPattern(PlatformDependent.getLong(address + i), pattern);
            if (found != 0) {
                return i + SWARUtil.getIndex(found, PlatformDependent.BIG_ENDIAN_NATIVE_ORDER);
            }
        }
        for (; i < to; i++) {
            if (PlatformDependent.getByte(address + i) == value) {
                return i;
            }
        }
        return -1;
    }
}
