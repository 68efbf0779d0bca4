package io.sluice.gateway.net;

import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * The time of an event loop's current turn, read from the system clock once per turn and then shared by everything
 * the turn does, as nginx caches its time once per pass of its event loop. A request's path reads the time about a
 * dozen times (its start, the lease, the upstream head, the first body byte, the end, an idle connection's return),
 * and on this benchmark machine's virtual clock each read cost about 30 ns, 3.9 % of the user-mode CPU of an
 * HTTP/1.1 JSON answer ({@code bench/RESULTS.md}); one turn handles one or more requests.
 *
 * <p>What it gives: on a loop whose I/O handler marks its turns ({@link BatchWindowIoHandler}), the time the first
 * read of the turn took, which is after the turn's wait, so no later than any completion the turn handles. A time so
 * read is at most one turn old: a duration measured with it is off by at most the length of a turn, and a deadline
 * counted from it falls due at most a turn early. It never goes back. Anywhere else (a thread that is not such a
 * loop's own thread, or a loop whose window is zero and whose turns are not marked) it reads the clock each time.
 *
 * <p>Position: the transport layer, read by the request core (its exchange's times, the upstream pools, the
 * balancers). Thread: any; the cached time is per thread. Holds no buffers.
 */
public final class TurnClock {
    private static final FastThreadLocal<TurnClock> LOOP = new FastThreadLocal<>();

    private long nanos;
    private long millis;
    private boolean nanosRead;
    private boolean millisRead;

    private TurnClock() {
    }

    /**
     * A turn of the calling loop begins: the next read of either time takes it afresh. Called by the loop's I/O
     * handler before the transport waits and handles what completed.
     */
    static void newTurn() {
        TurnClock clock = LOOP.getIfExists();
        if (clock == null) {
            if (!(Thread.currentThread() instanceof FastThreadLocalThread)) {
                return;   // not an event loop's own thread: a test driving a handler, which keeps the clock
            }
            clock = new TurnClock();
            LOOP.set(clock);
        }
        clock.nanosRead = false;
        clock.millisRead = false;
    }

    /** {@link System#nanoTime()}, as the calling loop's turn first read it. */
    public static long nanoTime() {
        final TurnClock clock = LOOP.getIfExists();
        if (clock == null) {
            return System.nanoTime();
        }
        if (!clock.nanosRead) {
            clock.nanos = System.nanoTime();
            clock.nanosRead = true;
        }
        return clock.nanos;
    }

    /** {@link System#currentTimeMillis()}, as the calling loop's turn first read it. */
    public static long currentTimeMillis() {
        final TurnClock clock = LOOP.getIfExists();
        if (clock == null) {
            return System.currentTimeMillis();
        }
        if (!clock.millisRead) {
            clock.millis = System.currentTimeMillis();
            clock.millisRead = true;
        }
        return clock.millis;
    }
}
