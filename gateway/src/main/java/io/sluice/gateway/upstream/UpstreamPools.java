package io.sluice.gateway.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.net.Transport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * All upstream connection pools: one set per event loop, one pool per endpoint within it (as Envoy and Zuul do),
 * so a request is served on a connection of its own loop with no hand-off and no lock.
 *
 * <p>Seam: process-wide state (DESIGN.md §2b). The outer map is fixed at start-up and only read afterwards; each
 * loop's pools are created, used and retired on that loop alone. Endpoints are values made once by the
 * {@link EndpointRegistry}, so a reload that keeps an endpoint keeps its pools; one that drops it retires them.
 * Each loop evicts its idle connections on a timer.
 */
public final class UpstreamPools {
    private final Map<EventExecutor, Map<UpstreamEndpoint, EndpointPool>> loops = new IdentityHashMap<>();
    private final Map<UpstreamEndpoint, ConnectionBudget> budgets = new ConcurrentHashMap<>();
    private final Transport transport;
    private final ByteBufAllocator allocator;
    private final AddressResolverGroup<InetSocketAddress> resolver;

    public UpstreamPools(EventLoopGroup group, Transport transport, ByteBufAllocator allocator,
                         AddressResolverGroup<InetSocketAddress> resolver, Duration sweepInterval) {
        this.transport = transport;
        this.allocator = allocator;
        this.resolver = resolver;
        for (EventExecutor executor : group) {
            final Map<UpstreamEndpoint, EndpointPool> pools = new HashMap<>();
            loops.put(executor, pools);
            final long interval = sweepInterval.toNanos();
            executor.scheduleWithFixedDelay(() -> {
                final long now = System.nanoTime();
                pools.values().forEach(pool -> pool.evictIdle(now));
            }, interval, interval, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The pool of {@code loop} for {@code endpoint}, made with {@code limits} and {@code connect} (the connect
     * timeout, also the longest wait for a busy pool) when it is first asked for; call on {@code loop}.
     */
    public EndpointPool pool(EventLoop loop, UpstreamEndpoint endpoint, SluiceConfig.Pool limits, Duration connect) {
        final Map<UpstreamEndpoint, EndpointPool> pools = loops.get(loop);
        EndpointPool pool = pools.get(endpoint);
        if (pool == null) {
            pool = newPool(loop, endpoint, limits, connect);
            if (endpoint.retired()) {
                // An attempt of a request that began before a reload removed the endpoint: served, not kept.
                pool.retire();
            } else {
                pools.put(endpoint, pool);
            }
        }
        return pool;
    }

    private EndpointPool newPool(EventLoop loop, UpstreamEndpoint endpoint, SluiceConfig.Pool limits,
                                 Duration connect) {
        final Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannelType())
                .resolver(resolver)
                .option(ChannelOption.ALLOCATOR, allocator)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connect.toMillis()))
                .handler(new UpstreamChannelInitializer(endpoint));
        // A retired endpoint's last attempts get a budget of their own, never kept: the map only holds live ones.
        final ConnectionBudget budget = endpoint.retired() ? new ConnectionBudget(limits.maxConnections())
                : budgets.computeIfAbsent(endpoint, e -> new ConnectionBudget(limits.maxConnections()));
        final EndpointPool pool = new EndpointPool(endpoint, loop, bootstrap, limits, budget, connect.toNanos());
        budget.register(pool);
        return pool;
    }

    /**
     * Drains the pools of endpoints no config names any more, on every loop: idle connections close now, busy ones
     * when their exchange ends, and the pools are forgotten.
     */
    public void retire(Collection<UpstreamEndpoint> endpoints) {
        if (endpoints.isEmpty()) {
            return;
        }
        loops.forEach((executor, pools) -> executor.execute(() -> endpoints.forEach(endpoint -> {
            final EndpointPool pool = pools.remove(endpoint);
            if (pool != null) {
                pool.retire();
            }
        })));
        endpoints.forEach(budgets::remove);
    }

    /**
     * Closes the idle connections of every loop (at shutdown), and waits, off the event loops, up to {@code wait}
     * until they are closed. The wait is for io_uring: an idle connection keeps a read pending, so its close waits
     * for the read to be cancelled, a turn of its loop or more, and a loop stopped before that turn closes the socket
     * as it stops but can no longer run the channel's last task, and warns.
     */
    public void closeIdle(Duration wait) throws InterruptedException {
        final List<Future<List<ChannelFuture>>> loopsClosing = new ArrayList<>(loops.size());
        loops.forEach((executor, pools) -> loopsClosing.add(executor.submit(() -> {
            final List<ChannelFuture> closes = new ArrayList<>();
            pools.values().forEach(pool -> closes.addAll(pool.closeIdle()));
            return closes;
        })));
        final long deadline = System.nanoTime() + wait.toNanos();
        for (Future<List<ChannelFuture>> loopClosing : loopsClosing) {
            if (!loopClosing.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                    || !loopClosing.isSuccess()) {
                return;
            }
            for (ChannelFuture close : loopClosing.getNow()) {
                if (!close.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    return;
                }
            }
        }
    }
}
