package io.sluice.gateway.net;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * How many exchanges with a backend an event loop has under way: the load by which {@link BatchWindowIoHandler}
 * tells a loop relaying many answers at once, which a short wait lets gather more of each, from one serving a few
 * requests at a time, which a wait only delays. Unlike what the loop's turns find, it barely changes when the loop
 * starts waiting, and one connection's accept and close do not add to it: on 32 event streams the completions a
 * turn found rose from 6 to 12 in most turns to 20 or more once the loop waited, and one client opening a
 * connection per request made 4, 8 or 12.
 *
 * <p>An exchange counts from the moment a backend connection's handler is given a listener to the moment it loses
 * it (given back, closed, found broken): a relayed request, and also a health probe or a load scrape.
 *
 * <p>Position: the transport layer, fed by the upstream layer ({@code UpstreamHandler}, through which every front
 * talks to its backends). Thread: counted per thread, which is per loop because the upstream pools are per loop
 * (an exchange starts and ends on its connection's loop) and a loop keeps its thread. Holds no buffers.
 */
public final class LoopExchanges {
    private static final FastThreadLocal<int[]> UNDER_WAY = new FastThreadLocal<>() {
        @Override
        protected int[] initialValue() {
            return new int[1];
        }
    };

    private LoopExchanges() {
    }

    /** An exchange began on the calling event loop: a backend connection's handler was given its listener. */
    public static void started() {
        UNDER_WAY.get()[0]++;
    }

    /** An exchange on the calling event loop ended: its connection was given back or closed. */
    public static void ended() {
        final int[] underWay = UNDER_WAY.get();
        assert underWay[0] > 0 : "an exchange ended that was not counted in";
        underWay[0]--;
    }

    /** The exchanges under way on the calling event loop. */
    public static int underWay() {
        return UNDER_WAY.get()[0];
    }
}
