package io.sluice.gateway.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.net.TurnClock;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The keep-alive connections of one event loop to one endpoint.
 *
 * <p>Only its event loop touches it, so it has no locks and no volatile state; a connection and the exchanges
 * that use it share that loop. Idle connections are reused most-recent-first (warm sockets) and evicted
 * oldest-first once idle longer than {@code pool.idle_timeout}, which should stay below the backend's own
 * keep-alive timeout so the backend never closes a connection Sluice is about to use. A connection that broke,
 * or whose exchange did not end cleanly, is closed instead of returned. Past {@code max_connections} (a budget
 * shared with the other loops' pools) requests wait, up to {@code max_waiters} per loop and the connect timeout.
 */
public final class EndpointPool {
    /** An idle connection, with the handler its leases need, found in its pipeline once when it first connected. */
    private record Idle(Channel channel, UpstreamHandler handler, long since) {
    }

    private record Waiter(Promise<Lease> promise, ScheduledFuture<?> timeout) {
    }

    /**
     * How often a connection that closed before it connected is tried again. Nothing of a request has been written
     * then, so a new socket is always safe; the count only bounds a transport that keeps doing it.
     */
    private static final int RECONNECTS = 2;

    private final UpstreamEndpoint endpoint;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final ConnectionBudget budget;
    private final int maxWaiters;
    private final long waitNanos;
    private final long idleNanos;
    private final ArrayDeque<Idle> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Written on the loop, read by other loops' pools when they give a connection slot back. */
    private volatile int waiting;
    /** Its endpoint left the config: connections close as they come back instead of being kept. */
    private boolean retired;

    EndpointPool(UpstreamEndpoint endpoint, EventLoop loop, Bootstrap bootstrap, SluiceConfig.Pool config,
                 ConnectionBudget budget, long waitNanos) {
        this.endpoint = endpoint;
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.budget = budget;
        this.maxWaiters = config.maxWaiters();
        this.waitNanos = waitNanos;
        this.idleNanos = config.idleTimeout().toNanos();
    }

    /** A connection: an idle one, a new one, or the next one released, in that order of preference. */
    public Future<Lease> acquire() {
        Idle entry;
        while ((entry = idle.pollFirst()) != null) {
            if (entry.channel().isActive()) {
                return loop.newSucceededFuture(new Lease(entry.channel(), true, this, entry.handler()));
            }
        }
        if (budget.tryTake()) {
            return connect(loop.newPromise(), 0);
        }
        return waitForSlot(loop.newPromise());
    }

    /** Queues {@code promise} for the next connection slot or released connection, up to the connect timeout. */
    private Future<Lease> waitForSlot(Promise<Lease> promise) {
        if (waiters.size() >= maxWaiters) {
            promise.tryFailure(new PoolExhaustedException("all " + budget.max() + " connections to " + endpoint
                    + " are busy and " + waiters.size() + " requests wait already"));
            return promise;
        }
        final ScheduledFuture<?> timeout = loop.schedule(() -> {
            promise.tryFailure(new PoolExhaustedException("no connection to " + endpoint + " became free in time"));
        }, waitNanos, TimeUnit.NANOSECONDS);
        final Waiter waiter = new Waiter(promise, timeout);
        waiters.addLast(waiter);
        waiting = waiters.size();
        promise.addListener(f -> {
            timeout.cancel(false);
            if (!f.isSuccess()) {
                waiters.remove(waiter);
                waiting = waiters.size();
            }
        });
        return promise;
    }

    /** A fresh connection, never an idle one: the retry after a reused connection turned out stale. */
    public Future<Lease> acquireNew() {
        return budget.tryTake() ? connect(loop.newPromise(), 0) : acquire();
    }

    /**
     * A connection of its own for a health probe: outside the connection budget (a probe never takes a request's
     * slot), never pooled, closed when released.
     */
    public Future<Lease> acquireForProbe() {
        final Promise<Lease> promise = loop.newPromise();
        final ChannelFuture connect = bootstrap.connect(endpoint.address());
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
            } else if (!promise.trySuccess(new Lease(connect.channel(), false, this))) {
                connect.channel().close();
            }
        });
        return promise;
    }

    boolean hasWaiters() {
        return waiting > 0;
    }

    /** A connection slot came free somewhere: connect for the first waiter, if the slot is still free. */
    void wakeWaiter() {
        loop.execute(() -> {
            if (!waiters.isEmpty() && budget.tryTake()) {
                final Waiter next = waiters.pollFirst();
                waiting = waiters.size();
                connect(next.promise(), 0);
            }
        });
    }

    /** Takes a lent connection back; it is reused only when {@code reusable} and still open. */
    void release(Lease lease, boolean reusable) {
        final Channel channel = lease.channel();
        if (!reusable || !channel.isActive() || retired && waiters.isEmpty()) {
            channel.close();
            return;
        }
        Waiter waiter;
        while ((waiter = waiters.pollFirst()) != null) {
            waiting = waiters.size();
            if (waiter.promise().trySuccess(new Lease(channel, true, this, lease.handler()))) {
                return;
            }
        }
        idle.addFirst(new Idle(channel, lease.handler(), TurnClock.nanoTime()));
        // A pending read lets the loop notice at once when the backend closes the idle connection.
        channel.read();
    }

    /** Closes connections idle for longer than the idle timeout. */
    void evictIdle(long now) {
        while (!idle.isEmpty() && now - idle.peekLast().since() >= idleNanos) {
            idle.pollLast().channel().close();
        }
    }

    /** Its endpoint left the config: idle connections close now, busy ones when their exchange ends. */
    void retire() {
        retired = true;
        closeIdle();
    }

    /** Closes every idle connection (at shutdown, or when retired), and gives the futures of their closes. */
    List<ChannelFuture> closeIdle() {
        final List<ChannelFuture> closes = new ArrayList<>(idle.size());
        Idle entry;
        while ((entry = idle.pollFirst()) != null) {
            closes.add(entry.channel().close());
        }
        return closes;
    }

    /**
     * Connects on a slot already taken from the budget; the slot is given back when the channel closes.
     *
     * <p>A socket can be closed before it ever connects: with epoll, events that one {@code epoll_wait} reported
     * for a connection closed earlier in the same batch are handed to whichever new socket got its file descriptor
     * number, and the read they trigger on the unconnected socket fails and closes it. That is not the backend's
     * doing and nothing reached it, so the pool connects again instead of failing the request.
     */
    private Future<Lease> connect(Promise<Lease> promise, int attempt) {
        final ChannelFuture connect = bootstrap.connect(endpoint.address());
        final Channel channel = connect.channel();
        channel.closeFuture().addListener(f -> onClosed(channel));
        connect.addListener(f -> {
            if (f.isSuccess()) {
                final Lease lease = new Lease(channel, false, this);
                if (!promise.trySuccess(lease)) {
                    release(lease, true);
                }
            } else if (f.cause() instanceof ClosedChannelException && attempt < RECONNECTS && !promise.isDone()) {
                // Later, not now: the dead socket gives its slot back only once its close completes.
                loop.execute(() -> {
                    if (promise.isDone()) {
                        return;
                    }
                    if (budget.tryTake()) {
                        connect(promise, attempt + 1);
                    } else {
                        waitForSlot(promise);
                    }
                });
            } else {
                promise.tryFailure(f.cause());
            }
        });
        return promise;
    }

    private void onClosed(Channel channel) {
        for (Iterator<Idle> it = idle.iterator(); it.hasNext(); ) {
            if (it.next().channel() == channel) {
                it.remove();
                break;
            }
        }
        budget.giveBack();
    }
}
