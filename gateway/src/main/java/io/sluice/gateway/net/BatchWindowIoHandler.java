package io.sluice.gateway.net;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * An event loop's I/O handler that, while the loop is busy, lets I/O gather for a short window
 * ({@code server.io_batch_window}) before each turn that finds nothing queued, then hands the turn to the
 * transport's own handler (io_uring, epoll or NIO).
 *
 * <p>Why: a loop that goes back to the kernel the moment it is free reads a backend's stream a few events at a
 * time and writes each few to the client on its own, so at a moderate load it pays a read, a write and a wake-up
 * of the client for every two or three events, where a loop that waited a little would pay them once for many.
 * Waiting a tenth of a millisecond costs a stream nothing its client can see (model servers send events tens of
 * milliseconds apart) and lets the kernel's socket buffers collect what would otherwise take several turns: on the
 * benchmark's per-event stream, requests per CPU-second went up by half ({@code bench/RESULTS.md}).
 *
 * <p>Busy means that the loop has at least {@value #BUSY} exchanges with backends under way ({@link
 * LoopExchanges}): the answers of many requests arrive together, and a wait lets more of each arrive. A loop serving
 * a few requests at a time has little to gather, and a wait would only delay each hop.
 *
 * <p>Earlier rules made light loads wait ({@code bench/RESULTS.md}). With a wait before every turn, one client
 * sending one request at a time on a kept-alive connection waited out the window twice per request, for the
 * request and for the backend's answer: 390 µs per JSON answer at the median against 85 µs without the window.
 * Counting the I/O completions of the last turn that could block (busy from four) still waited for one client
 * opening a connection per request (386 µs against 88), whose accept and close make completions of their own, and
 * for two clients on kept-alive connections (397 µs against 87). A higher count, the loop's share of busy time, or
 * the backend connections a turn read from each kept the light loads from waiting but gave back part of the
 * per-event stream's gain: what a turn finds grows once the loop waits, so a loop under 32 streams that did not
 * wait yet seldom started.
 *
 * <p>The wait is skipped when a task is queued or a timer is due (a turn with work to do runs at once), ends at
 * the next timer, and ends early when another thread hands the loop a task ({@link #wakeup()}). A busy loop waits
 * between turns that each handle everything that arrived meanwhile, so the wait is a small part of a busy turn's
 * time. What the loop itself wrote does not wait: io_uring hands the kernel a write only at its next turn, so
 * where the transport queues writes ({@code queuesWrites}) a turn that may not block goes first and hands over what
 * tasks wrote since the last one (an HTTP/2 connection's gathered flush, a timer's write); it makes no system call
 * when nothing is queued. epoll and NIO write at once and need none.
 *
 * <p>It also marks the loop's turns for {@link TurnClock}, which then reads the clock once per turn.
 *
 * <p>Position: under every event loop, so it serves every front (HTTP/1.1, h2, WebSocket) and every upstream
 * connection alike; the transport layer, below the request core. Thread: {@link #run} on the loop's own thread,
 * {@link #wakeup()} from any. Holds no buffers.
 */
final class BatchWindowIoHandler implements IoHandler {
    /** What a turn that must not block sees: something to do. */
    private static final IoHandlerContext NO_WAIT = new IoHandlerContext() {
        @Override
        public boolean canBlock() {
            return false;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return 0;
        }

        @Override
        public long deadlineNanos() {
            return -1;
        }
    };

    /**
     * The exchanges with backends a loop must have under way to count as busy: the benchmark's 32 event streams
     * keep 32 under way, one to four clients at a time never wait. A load near it (eight clients opening a
     * connection each per request) goes in and out of waiting as its exchanges start and end.
     */
    static final int BUSY = 8;

    private final IoHandler transport;
    private final boolean queuesWrites;
    private final long windowNanos;
    private final IntSupplier exchangesUnderWay;
    private final LongSupplier nanoTime;
    private final LongConsumer parkNanos;
    /** The thread of the loop's latest turn, which another thread's {@link #wakeup()} unparks. */
    private volatile Thread loop;

    BatchWindowIoHandler(IoHandler transport, boolean queuesWrites, long windowNanos, IntSupplier exchangesUnderWay,
                         LongSupplier nanoTime, LongConsumer parkNanos) {
        this.transport = transport;
        this.queuesWrites = queuesWrites;
        this.windowNanos = windowNanos;
        this.exchangesUnderWay = exchangesUnderWay;
        this.nanoTime = nanoTime;
        this.parkNanos = parkNanos;
    }

    /**
     * The transport's handlers, each behind a window of {@code window}; a zero window leaves them as they are.
     *
     * @param queuesWrites whether the transport hands the kernel a write only at its next turn (io_uring)
     */
    static IoHandlerFactory around(IoHandlerFactory transport, boolean queuesWrites, Duration window) {
        if (window.isZero()) {
            return transport;
        }
        final long windowNanos = window.toNanos();
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new BatchWindowIoHandler(transport.newHandler(executor), queuesWrites, windowNanos,
                        LoopExchanges::underWay, System::nanoTime, LockSupport::parkNanos);
            }

            @Override
            public boolean isChangingThreadSupported() {
                return transport.isChangingThreadSupported();
            }
        };
    }

    @Override
    public void initialize() {
        transport.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        final Thread current = Thread.currentThread();
        if (loop != current) {
            loop = current;
        }
        TurnClock.newTurn();
        if (!context.canBlock()) {
            return transport.run(context);
        }
        int handled = 0;
        if (queuesWrites) {
            handled = transport.run(NO_WAIT);
            TurnClock.newTurn();
            if (!context.canBlock()) {
                return handled;   // what it read queued a task: that runs first
            }
        }
        if (exchangesUnderWay.getAsInt() >= BUSY) {
            // Never past the next timer: a request deadline or an idle timeout fires on time.
            final long wait = Math.min(windowNanos, context.delayNanos(nanoTime.getAsLong()));
            if (wait > 0) {
                parkNanos.accept(wait);
            }
        }
        return handled + transport.run(context);
    }

    @Override
    public void wakeup() {
        transport.wakeup();
        final Thread parked = loop;
        if (parked != null && parked != Thread.currentThread()) {
            LockSupport.unpark(parked);
        }
    }

    @Override
    public void prepareToDestroy() {
        transport.prepareToDestroy();
    }

    @Override
    public void destroy() {
        transport.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return transport.register(handle);
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return transport.isCompatible(handleType);
    }
}
