package io.sluice.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * How much an upstream connection's reads ask for: Netty's adaptive guess, except that the first read of each
 * response asks for at least {@value #RESPONSE_START} bytes.
 *
 * <p>The guess shrinks after two reads smaller than it, in 16-byte steps below 512 bytes. A streaming backend
 * sends one small event per read (about 230 bytes from vLLM, 215 from the benchmark's model server), so by the end
 * of a stream the connection's guess is the size of an event. The next stream on the kept-alive connection starts
 * with its head and first event in one segment (378 bytes from the benchmark's model server), and a read that
 * small split it: the head went to the client in a write of its own, and the first event followed after one more
 * read of the backend and one more write (tcpdump on a paced load showed it on every stream; bench/RESULTS.md,
 * "2026-12-05, afternoon"). Asking for 2 KiB at a response's start, Netty's own first guess, gives both one read.
 *
 * <p>Only that read: a floor on every read would hold a 2 KiB buffer for each small event waiting in a stalled
 * client's outbound queue, which counts the events' bytes (64 KiB by default), not their buffers'. An allocator
 * set on a channel also replaces the transport's reads per loop turn (16) with Netty's plain default (1), which
 * changes nothing here: an upstream connection reads once each time its exchange asks (auto-read is off).
 *
 * <p>Position: the upstream connection, under the request core. Thread: the connection's event loop. One per
 * connection, set by its {@link UpstreamHandler}, which marks each response's start.
 */
final class ResponseReads implements RecvByteBufAllocator {
    static final int RESPONSE_START = 2048;

    private final RecvByteBufAllocator adaptive = new AdaptiveRecvByteBufAllocator();
    private boolean responseStarts;

    /** The connection's next read is the first of a response. */
    void responseStarts() {
        responseStarts = true;
    }

    @Override
    public Handle newHandle() {
        return new StartHandle((ExtendedHandle) adaptive.newHandle());
    }

    /**
     * Netty's handle, but for the size of the read that starts a response. An {@link ExtendedHandle}, as the
     * io_uring and epoll transports require of the handle they wrap.
     */
    private final class StartHandle extends DelegatingHandle implements ExtendedHandle {
        StartHandle(ExtendedHandle adaptive) {
            super(adaptive);
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            if (!responseStarts) {
                return delegate().allocate(alloc);
            }
            final ByteBuf read = alloc.ioBuffer(guess());
            responseStarts = false;
            return read;
        }

        @Override
        public int guess() {
            return responseStarts ? Math.max(delegate().guess(), RESPONSE_START) : delegate().guess();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return ((ExtendedHandle) delegate()).continueReading(maybeMoreDataSupplier);
        }
    }
}
