package io.sluice.gateway.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.concurrent.TimeUnit;

/**
 * The far deadlines of the exchanges on one event loop: an upstream limit of minutes that a request nearly always
 * beats by far. A scheduled task per request, and its cancellation, cost about 1 % of a small request's CPU
 * (bench/RESULTS.md); here a request costs a link into a list and an unlink from it. A sweep looks over the list once
 * a {@link #SWEEP_NANOS} while it is not empty and hands each deadline that has come within a sweep of now to its
 * {@link ExchangeTimer}, which schedules it on the loop: so no deadline fires late, and a deadline nearer than a sweep
 * is never put here.
 *
 * <p>Thread: its event loop's only; the list is intrusive (the timers' own links), so it allocates nothing.
 */
final class LoopDeadlines implements Runnable {
    /** How often the list is looked over, and how near a deadline must be to be scheduled on the loop instead. */
    static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** The deadlines of this thread's loop: one loop per thread, but a test thread may run several embedded ones. */
    private static final FastThreadLocal<LoopDeadlines> OF_THREAD = new FastThreadLocal<>();

    private final EventLoop loop;
    private ExchangeTimer first;
    private boolean sweeping;

    private LoopDeadlines(EventLoop loop) {
        this.loop = loop;
    }

    /** The list of {@code loop}; called on that loop. */
    static LoopDeadlines of(EventLoop loop) {
        final LoopDeadlines kept = OF_THREAD.get();
        if (kept != null && kept.loop == loop) {
            return kept;
        }
        final LoopDeadlines made = new LoopDeadlines(loop);
        OF_THREAD.set(made);
        return made;
    }

    /** Keeps {@code timer} (not kept already) until its deadline comes within a sweep, or it is removed. */
    void add(ExchangeTimer timer) {
        timer.nextFar = first;
        timer.previousFar = null;
        if (first != null) {
            first.previousFar = timer;
        }
        first = timer;
        if (!sweeping) {
            sweeping = true;
            loop.schedule(this, SWEEP_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    /** Lets go of {@code timer}, which it keeps. */
    void remove(ExchangeTimer timer) {
        if (timer.previousFar != null) {
            timer.previousFar.nextFar = timer.nextFar;
        } else {
            first = timer.nextFar;
        }
        if (timer.nextFar != null) {
            timer.nextFar.previousFar = timer.previousFar;
        }
        timer.previousFar = null;
        timer.nextFar = null;
    }

    /** The sweep: hands on each deadline that is now near, and comes again while any is left. */
    @Override
    public void run() {
        final long now = System.nanoTime();
        ExchangeTimer timer = first;
        while (timer != null) {
            final ExchangeTimer next = timer.nextFar;
            if (timer.deadline() - now <= SWEEP_NANOS) {
                remove(timer);
                timer.deadlineNear(now);
            }
            timer = next;
        }
        sweeping = first != null;
        if (sweeping) {
            loop.schedule(this, SWEEP_NANOS, TimeUnit.NANOSECONDS);
        }
    }
}
