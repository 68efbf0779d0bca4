package io.sluice.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Direct buffers with a memory address, as a socket's reads are, for tests of code that reads that memory itself.
 *
 * <p>They are not leak-tracked: under the tests' paranoid detection every read of a tracked buffer records a stack
 * trace, which made a framing test over thousands of cuts take a minute. The callers release what they take.
 */
public final class DirectBuffers {
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(true, true);

    private DirectBuffers() {
    }

    /** A direct buffer holding a copy of {@code bytes}. */
    public static ByteBuf of(byte[] bytes) {
        return UNTRACKED.directBuffer(bytes.length).writeBytes(bytes);
    }

    /** An empty direct buffer that grows as it is written. */
    public static ByteBuf growable() {
        return UNTRACKED.directBuffer();
    }
}
