package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * The body of a request as it arrives: the received buffers themselves, gathered in a composite (no copy), with
 * their size counted against {@code max_request_bytes} piece by piece so an oversized body is refused before it is
 * all in memory. The body must be whole before it is routed, because {@code model} usually comes after the
 * messages.
 */
final class RequestBody {
    /** Enough components that a body never gets consolidated (copied) however small its pieces. */
    private static final int MAX_COMPONENTS = 1 << 16;

    private final long limit;
    private CompositeByteBuf parts;
    private long size;

    RequestBody(ByteBufAllocator alloc, long limit) {
        this.parts = alloc.compositeBuffer(MAX_COMPONENTS);
        this.limit = limit;
    }

    /** Adds one piece, taking ownership; false (and the piece released) once the body is over the limit. */
    boolean add(ByteBuf piece) {
        size += piece.readableBytes();
        if (size > limit) {
            piece.release();
            return false;
        }
        if (piece.isReadable()) {
            parts.addComponent(true, piece);
        } else {
            piece.release();
        }
        return true;
    }

    ByteBuf content() {
        return parts;
    }

    /** Hands the body over to the caller, who must release it. */
    ByteBuf take() {
        final ByteBuf taken = parts;
        parts = null;
        return taken;
    }

    void release() {
        if (parts != null) {
            parts.release();
            parts = null;
        }
    }
}
