package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * The body of a request as it arrives: the received buffers themselves, gathered in a composite (no copy), with
 * their size counted against {@code max_request_bytes} piece by piece so an oversized body is refused before it is
 * all in memory. The body must be whole before it is routed, because {@code model} usually comes after the
 * messages.
 *
 * <p>A body kept for as long as a stream runs (to continue it elsewhere if it breaks) is {@linkplain #compact
 * compacted} first: the reads it came in may hold far more than it, and would stay out of the pool with it.
 *
 * <p>Thread: the exchange's event loop. Buffers: the pieces are this object's from {@link #add} until
 * {@link #take} hands them over or {@link #release} releases them.
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

    /**
     * The body, to be kept for long: its bytes copied into a buffer of their own size when the buffers of the reads
     * they are part of hold more than twice as many, else the body itself. A short request read into a connection's
     * 2 KiB buffer (or a 64 KiB one, once the connection carried large requests, or an HTTP/2 read shared by many
     * streams) would keep all of it out of the pool for the stream's whole life. Ownership of {@code body} passes
     * to the result.
     */
    static ByteBuf compact(ByteBuf body, ByteBufAllocator alloc) {
        if (!(body instanceof CompositeByteBuf parts) || heldBytes(parts) <= 2L * body.readableBytes()) {
            return body;
        }
        final ByteBuf copy = alloc.directBuffer(body.readableBytes());
        try {
            copy.writeBytes(body, body.readerIndex(), body.readableBytes());
        } catch (RuntimeException | Error e) {
            copy.release();
            throw e;
        }
        body.release();
        return copy;
    }

    /**
     * The capacity of the buffers the parts are views of: the reads themselves, each once. The parts of one read
     * (the chunks of a chunked body, the DATA frames of an HTTP/2 read) come one after another.
     */
    private static long heldBytes(CompositeByteBuf parts) {
        long held = 0;
        ByteBuf previous = null;
        for (int i = 0; i < parts.numComponents(); i++) {
            ByteBuf read = parts.component(i);
            while (read.unwrap() != null) {
                read = read.unwrap();
            }
            if (read != previous) {
                held += read.capacity();
                previous = read;
            }
        }
        return held;
    }

    void release() {
        if (parts != null) {
            parts.release();
            parts = null;
        }
    }
}
