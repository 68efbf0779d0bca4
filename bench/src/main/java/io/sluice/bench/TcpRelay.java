package io.sluice.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.sluice.gateway.net.Transport;

import java.time.Duration;

/**
 * The floor of a relay on Sluice's stack: Netty's transport (io_uring where Sluice would pick it, one event loop, no
 * batch window), each client connection paired with one backend connection of its own, and every read written to
 * the other side as it came and flushed when the read completes. It parses nothing, so it can only relay a client
 * that sends one request at a time per connection and waits for the answer, as wrk does; what it costs per request is
 * what Netty's channels, pipelines, buffers and transport cost for the two reads and two writes of an exchange, with
 * none of a gateway's work. It has no backpressure either (Sluice stops reading a side whose peer is slow), which a
 * client that waits for each answer never needs. {@code bench/ab.sh} measures it beside nginx with {@code CMD_B}
 * (see there).
 *
 * <p>Bench only. Thread: one event loop for both sides of every pair. Buffers: each read passes with its ownership
 * to the other side's write, which releases it, written or not.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.sluice.bench.TcpRelay port backendPort}
 */
public final class TcpRelay {
    private TcpRelay() {
    }

    public static void main(String[] args) throws InterruptedException {
        final int port = Integer.parseInt(args[0]);
        final int backendPort = Integer.parseInt(args[1]);
        final Transport transport = Transport.choose("auto");
        final EventLoopGroup group = transport.newEventLoopGroup(1, Duration.ZERO);
        final Bootstrap backend = new Bootstrap().group(group).channel(transport.socketChannelType())
                .option(ChannelOption.TCP_NODELAY, true);
        new ServerBootstrap().group(group).channel(transport.serverChannelType())
                .option(ChannelOption.SO_BACKLOG, 8192)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // Nothing is read from a client before its backend connection is open.
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel client) {
                        backend.clone().handler(new Pipe(client)).connect("127.0.0.1", backendPort)
                                .addListener((ChannelFutureListener) connected -> {
                                    if (!connected.isSuccess()) {
                                        client.close();
                                        return;
                                    }
                                    if (!client.isActive()) {
                                        // The client left while the backend connection opened.
                                        connected.channel().close();
                                        return;
                                    }
                                    client.pipeline().addLast(new Pipe(connected.channel()));
                                    client.config().setAutoRead(true);
                                });
                    }
                })
                .bind("127.0.0.1", port).sync().channel().closeFuture().sync();
    }

    /** Writes what one side reads to the other, and closes the other when this side closes. */
    private static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel other;

        Pipe(Channel other) {
            this.other = other;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            other.write(msg, other.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            other.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            other.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
