package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * The response pieces relayed during one read of the backend, gathered so that they reach the client as one
 * HTTP/1.1 chunk or HTTP/2 DATA frame. A backend like vLLM sends each event as a chunk of its own, and passing
 * each on alone costs a chunk header, a trailing CRLF and pipeline work per event; batching per read adds no
 * delay, because nothing is flushed before the read completes anyway. Nothing is copied: several pieces become
 * the components of one composite buffer.
 */
final class ReadBatch {
    private final ByteBufAllocator alloc;
    private ByteBuf single;
    private CompositeByteBuf many;

    ReadBatch(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** Adds a piece; ownership passes. */
    void add(ByteBuf piece) {
        if (many != null) {
            many.addComponent(true, piece);
        } else if (single == null) {
            single = piece;
        } else {
            // No component limit: past one the composite would copy everything into a single buffer.
            many = alloc.compositeBuffer(Integer.MAX_VALUE).addComponent(true, single).addComponent(true, piece);
            single = null;
        }
    }

    /** What was gathered since the last take, or null if nothing; ownership passes. */
    ByteBuf take() {
        final ByteBuf taken = many != null ? many : single;
        many = null;
        single = null;
        return taken;
    }

    /** Drops what was gathered (the client is gone). */
    void release() {
        final ByteBuf taken = take();
        if (taken != null) {
            taken.release();
        }
    }
}
