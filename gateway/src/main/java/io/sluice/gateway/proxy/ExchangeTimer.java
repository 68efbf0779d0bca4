package io.sluice.gateway.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.net.TurnClock;

import java.util.concurrent.TimeUnit;

/**
 * The upstream time limits of one attempt: the whole exchange (from the request's arrival), a route's limit on the
 * wait for a connection, the wait for the response to start (its first body byte, or the head of an error), and the
 * silence between response pieces. One
 * scheduled task at a time (as Netty's IdleStateHandler does): activity only records a time, and when the task
 * fires it either reports the limit that passed or schedules itself for the next deadline. While the client is too
 * slow to take more bytes, the backend's silence is not counted against it. A deadline further off than a sweep of
 * {@link LoopDeadlines} is kept in the loop's list rather than scheduled, until it comes near.
 *
 * <p>Thread: its exchange's event loop.
 */
final class ExchangeTimer implements Runnable {
    /** Which limit passed. */
    enum Limit { TOTAL, CONNECT, FIRST_BYTE, IDLE }

    interface Listener {
        void onTimeout(Limit limit);
    }

    private final EventLoop loop;
    private final Listener listener;
    private final long totalDeadline;
    private final long firstByteNanos;
    private final long idleNanos;
    private boolean awaitingConnection;
    private long connectDeadline;
    private boolean awaitingHead;
    private long waitingSince;
    private boolean streaming;
    private long lastActivity;
    private boolean paused;
    /** The scheduled task, or null: none, or the deadline is kept in {@link #farList}. */
    private ScheduledFuture<?> task;
    /** The list that keeps the deadline while it is far off, or null. */
    private LoopDeadlines farList;
    /** Its links in that list. */
    ExchangeTimer previousFar;
    ExchangeTimer nextFar;
    private long taskDeadline;

    ExchangeTimer(EventLoop loop, Listener listener, long startNanos, SluiceConfig.Timeouts timeouts) {
        this.loop = loop;
        this.listener = listener;
        this.totalDeadline = startNanos + timeouts.total().toNanos();
        this.firstByteNanos = timeouts.firstByte().toNanos();
        this.idleNanos = timeouts.idle().toNanos();
    }

    /** The attempt waits before it starts (a rest a backend asked for): only the total limit runs. */
    void resting() {
        scheduleAt(totalDeadline, System.nanoTime());
    }

    /**
     * The attempt waits for a connection (a new one, or a slot of a full pool): the total limit runs, and, when
     * {@code limitNanos} is more than 0 (a route's own connect limit), that one from now.
     */
    void connecting(long limitNanos) {
        final long now = System.nanoTime();
        if (limitNanos <= 0) {
            scheduleAt(totalDeadline, now);
            return;
        }
        connectDeadline = now + limitNanos;
        awaitingConnection = true;
        scheduleAt(Math.min(connectDeadline, totalDeadline), now);
    }

    /**
     * The request was sent: the wait for the response to start begins. The first task is scheduled only now (at
     * the earlier of the first-byte and total deadlines), so a request costs one scheduled task, not one per limit.
     *
     * @param now when the request was handed to its connection, as the loop's {@link TurnClock} tells it
     */
    void requestSent(long now) {
        awaitingConnection = false;
        awaitingHead = true;
        waitingSince = now;
        scheduleAt(Math.min(waitingSince + firstByteNanos, totalDeadline), now);
    }

    /** The response started (its first body byte, or an error head): from now on silence between pieces counts. */
    void responseStarted() {
        awaitingHead = false;
        streaming = true;
        lastActivity = TurnClock.nanoTime();
        // Usually a no-op: the pending task is due sooner unless the idle limit is the shorter one.
        scheduleAt(lastActivity + idleNanos, lastActivity);
    }

    void activity() {
        lastActivity = System.nanoTime();
    }

    /** Reading paused for a slow client (true) or resumed (false). */
    void paused(boolean paused) {
        this.paused = paused;
        lastActivity = System.nanoTime();
    }

    void cancel() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
        if (farList != null) {
            farList.remove(this);
            farList = null;
        }
    }

    /** When the next check is due. */
    long deadline() {
        return taskDeadline;
    }

    /** The sweep of the list found the deadline within a sweep of {@code now}, and let go of it: it is scheduled. */
    void deadlineNear(long now) {
        farList = null;
        task = loop.schedule(this, Math.max(0, taskDeadline - now), TimeUnit.NANOSECONDS);
    }

    @Override
    public void run() {
        task = null;
        final long now = System.nanoTime();
        if (now - totalDeadline >= 0) {
            listener.onTimeout(Limit.TOTAL);
            return;
        }
        long next = totalDeadline;
        if (awaitingConnection) {
            if (now - connectDeadline >= 0) {
                listener.onTimeout(Limit.CONNECT);
                return;
            }
            next = Math.min(next, connectDeadline);
        }
        if (awaitingHead) {
            final long deadline = waitingSince + firstByteNanos;
            if (now - deadline >= 0) {
                listener.onTimeout(Limit.FIRST_BYTE);
                return;
            }
            next = Math.min(next, deadline);
        }
        if (streaming) {
            final long deadline = (paused ? now : lastActivity) + idleNanos;
            if (now - deadline >= 0) {
                listener.onTimeout(Limit.IDLE);
                return;
            }
            next = Math.min(next, deadline);
        }
        scheduleAt(next, now);
    }

    /** Makes sure a check comes by {@code deadline}; {@code now} is a time just read, to spare reading another. */
    private void scheduleAt(long deadline, long now) {
        if (task != null || farList != null) {
            if (taskDeadline - deadline <= 0) {
                return;
            }
            cancel();
        }
        taskDeadline = deadline;
        final long delay = deadline - now;
        if (delay > LoopDeadlines.SWEEP_NANOS) {
            farList = LoopDeadlines.of(loop);
            farList.add(this);
        } else {
            task = loop.schedule(this, Math.max(0, delay), TimeUnit.NANOSECONDS);
        }
    }
}
