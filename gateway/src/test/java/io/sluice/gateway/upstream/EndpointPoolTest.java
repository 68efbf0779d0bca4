package io.sluice.gateway.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.sluice.gateway.config.SluiceConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool seen alone, on a real loop and a real listening socket: a connection that closes before it connects
 * (what a stale epoll event for a reused file descriptor does) costs the request nothing, and a connection given
 * back is lent again, to the next request or to one waiting, with the handler found when it connected.
 */
class EndpointPoolTest {
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private ServerSocket backend;

    @BeforeEach
    void listen() throws Exception {
        backend = new ServerSocket(0);
    }

    @AfterEach
    void stop() throws Exception {
        backend.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void aConnectionClosedBeforeItConnectedIsReplacedNotFailed() throws Exception {
        final EndpointPool pool = pool(closingFirst(2));
        final Lease lease = acquire(pool);
        assertTrue(lease.channel().isActive());
        assertFalse(lease.reused());
        loop.submit(() -> lease.release(false)).sync();
    }

    @Test
    void aFullPoolReconnectsOnTheSlotTheClosedSocketGaveBack() throws Exception {
        final Lease lease = acquire(pool(closingFirst(1), 1));
        assertTrue(lease.channel().isActive());
        loop.submit(() -> lease.release(false)).sync();
    }

    @Test
    void aTransportThatKeepsClosingNewSocketsStillFailsTheRequest() throws Exception {
        final EndpointPool pool = pool(closingFirst(Integer.MAX_VALUE));
        final ExecutionException failure = assertThrows(ExecutionException.class,
                () -> acquire(pool));
        assertInstanceOf(ClosedChannelException.class, failure.getCause());
    }

    @Test
    void aConnectionGivenBackIsLentAgainWithTheHandlerFoundWhenItConnected() throws Exception {
        final EndpointPool pool = pool(closingFirst(0));
        final Lease first = acquire(pool);
        loop.submit(() -> first.release(true)).sync();
        final Lease again = acquire(pool);
        assertSame(first.channel(), again.channel());
        assertTrue(again.reused());
        assertSame(first.channel().pipeline().get(UpstreamHandler.class), again.handler());
        loop.submit(() -> again.release(false)).sync();
    }

    @Test
    void aWaiterGetsTheConnectionGivenBackWithItsHandler() throws Exception {
        final EndpointPool pool = pool(closingFirst(0), 1);
        final Lease first = acquire(pool);
        final Future<Lease> waiting = loop.submit(pool::acquire).get(5, TimeUnit.SECONDS);
        assertFalse(waiting.isDone());
        loop.submit(() -> first.release(true)).sync();
        final Lease handedOn = waiting.get(5, TimeUnit.SECONDS);
        assertSame(first.channel(), handedOn.channel());
        assertTrue(handedOn.reused());
        assertSame(first.handler(), handedOn.handler());
        loop.submit(() -> handedOn.release(false)).sync();
    }

    /** A bootstrap whose first {@code count} channels are closed as soon as they are registered. */
    private Bootstrap closingFirst(int count) {
        final AtomicInteger closed = new AtomicInteger();
        return new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRegistered(ChannelHandlerContext ctx) {
                                if (closed.getAndIncrement() < count) {
                                    ctx.close();
                                }
                                ctx.fireChannelRegistered();
                            }
                        }, new UpstreamHandler());
                    }
                });
    }

    private EndpointPool pool(Bootstrap bootstrap) {
        return pool(bootstrap, 4);
    }

    private EndpointPool pool(Bootstrap bootstrap, int maxConnections) {
        final UpstreamEndpoint endpoint = new UpstreamEndpoint(
                URI.create("http://127.0.0.1:" + backend.getLocalPort() + "/v1"), null);
        final ConnectionBudget budget = new ConnectionBudget(maxConnections);
        final EndpointPool pool = new EndpointPool(endpoint, loop, bootstrap,
                new SluiceConfig.Pool(maxConnections, 4, Duration.ofSeconds(10)), budget,
                Duration.ofSeconds(2).toNanos());
        budget.register(pool);
        return pool;
    }

    private Lease acquire(EndpointPool pool) throws Exception {
        final Future<Lease> lease = loop.submit(pool::acquire).get(5, TimeUnit.SECONDS);
        return lease.get(5, TimeUnit.SECONDS);
    }

    @Test
    void theBudgetIsWholeAgainAfterReconnects() throws Exception {
        final EndpointPool pool = pool(closingFirst(1));
        final Lease first = acquire(pool);
        final Lease second = acquire(pool);
        assertTrue(first.channel() != second.channel());
        loop.submit(() -> {
            first.release(false);
            second.release(false);
        }).sync();
        first.channel().closeFuture().sync();
        second.channel().closeFuture().sync();
        // Four slots: four connections at once must still be possible, none leaked by the closed socket (a
        // leaked slot would make the fourth wait and fail with PoolExhaustedException).
        for (int i = 0; i < 4; i++) {
            assertTrue(acquire(pool).channel().isActive());
        }
    }
}
