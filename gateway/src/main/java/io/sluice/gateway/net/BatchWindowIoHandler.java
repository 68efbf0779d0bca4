package io.sluice.gateway.net;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
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
 * <p>Busy means that the loop's last turn that could block found at least {@value #BUSY} I/O completions (or
 * ready channels): what arrived while the loop was working or waiting, and on io_uring also the completions of
 * what that turn itself submitted (its writes). A loop woken by one request or one event at a time has nothing to
 * gather, and a wait would only delay each hop. The turns that cannot block do not count: they find what the
 * loop's own submissions brought back at once (a poll, then the read it leads to), not what arrived meanwhile. The
 * count was fitted on io_uring; epoll and NIO count ready channels, about one per connection, so they need more
 * load before they wait. A turn that a task cut short still sets the count, as if it had waited.
 *
 * <p>With a wait before every turn, one client sending one request at a time on a kept-alive connection waited out
 * the window twice per request, for the request and for the backend's answer: 390 µs per JSON answer at the median
 * against 85 µs without the window ({@code bench/RESULTS.md}).
 *
 * <p>The wait is skipped when a task is queued or a timer is due (a turn with work to do runs at once), ends at
 * the next timer, and ends early when another thread hands the loop a task ({@link #wakeup()}). A busy loop waits
 * between turns that each handle everything that arrived meanwhile, so the wait is a small part of a busy turn's
 * time. What the loop itself wrote does not wait: io_uring hands the kernel a write only at its next turn, so
 * where the transport queues writes ({@code queuesWrites}) a turn that may not block goes first and hands over what
 * tasks wrote since the last one (an HTTP/2 connection's gathered flush, a timer's write); it makes no system call
 * when nothing is queued. epoll and NIO write at once and need none.
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
     * The completions a turn that could block must find for the loop to count as busy. With one client sending one
     * request at a time, io_uring's turns that could block found three in 99.8 % of turns (six in the rest); with 32
     * clients, 20 or more in 97 %.
     */
    static final int BUSY = 4;

    private final IoHandler transport;
    private final boolean queuesWrites;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private final LongConsumer parkNanos;
    /** The thread of the loop's latest turn, which another thread's {@link #wakeup()} unparks. */
    private volatile Thread loop;
    /** What the latest turn that could block found, which tells whether the next one waits. Loop thread only. */
    private int foundByLastBlockingTurn;

    BatchWindowIoHandler(IoHandler transport, boolean queuesWrites, long windowNanos, LongSupplier nanoTime,
                         LongConsumer parkNanos) {
        this.transport = transport;
        this.queuesWrites = queuesWrites;
        this.windowNanos = windowNanos;
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
                        System::nanoTime, LockSupport::parkNanos);
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
        if (!context.canBlock()) {
            return transport.run(context);
        }
        int handled = 0;
        if (queuesWrites) {
            handled = transport.run(NO_WAIT);
            if (!context.canBlock()) {
                return handled;   // what it read queued a task: that runs first
            }
        }
        if (foundByLastBlockingTurn >= BUSY) {
            // Never past the next timer: a request deadline or an idle timeout fires on time.
            final long wait = Math.min(windowNanos, context.delayNanos(nanoTime.getAsLong()));
            if (wait > 0) {
                parkNanos.accept(wait);
            }
        }
        foundByLastBlockingTurn = transport.run(context);
        return handled + foundByLastBlockingTurn;
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
