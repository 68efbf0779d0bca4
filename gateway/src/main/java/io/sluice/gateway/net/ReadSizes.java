package io.sluice.gateway.net;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;

/**
 * How much a socket read asks for, on every connection Sluice accepts or makes: as much as the last reads took, as
 * Netty's adaptive guess does, but never less than 2 KiB.
 *
 * <p>Netty's guess shrinks after two reads smaller than it, in 16-byte steps below 512 bytes. A streaming backend
 * sends one small event per read (about 230 bytes from vLLM, 215 from the benchmark's model server), so by the end of
 * a stream the connection's guess is the size of an event. The next stream on that keep-alive connection starts with
 * its response head and first event in one segment (378 bytes from the benchmark's model server; a hosted provider's
 * head alone is about 800), and a read that small split it: the first read ended with the head, which went to the
 * client in a write of its own, and the first event followed after one more read of the backend and one more write
 * (seen with tcpdump on every stream of a paced load; bench/RESULTS.md). With the floor both go in one write.
 *
 * <p>A read takes its buffer from the pool only when the socket has bytes for it (an idle connection waits with a
 * poll and holds none), and a 2 KiB buffer costs the pool what a 200-byte one does, so the floor keeps no memory for
 * an open stream.
 *
 * <p>Position: the transport, under every front and every upstream connection. Thread: any; the allocator is shared,
 * each channel makes its own handle.
 */
public final class ReadSizes {
    /** The floor, which is also where a connection's guess starts. */
    static final int MINIMUM = 2048;
    private static final RecvByteBufAllocator READS = new AdaptiveRecvByteBufAllocator(MINIMUM, MINIMUM, 65536);

    private ReadSizes() {
    }

    public static RecvByteBufAllocator reads() {
        return READS;
    }
}
