package io.sluice.gateway.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cleartext HTTP/2 client (prior knowledge) at the frame level, for what an HTTP library hides: resetting one
 * stream, withholding window credit, and seeing the server's SETTINGS and GOAWAY. Each request is a stream child
 * channel; one opened with {@code reading} off never reads its frames, so it returns no window credit and the
 * server may send it only the initial window.
 */
public final class H2FrameClient implements AutoCloseable {
    /** A GOAWAY as received: its error code and the last stream the server will still finish. */
    public record GoAway(long errorCode, int lastStreamId) {
    }

    /** One request stream and what it received. */
    public static final class Stream extends ChannelInboundHandlerAdapter {
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final CountDownLatch ended = new CountDownLatch(1);
        private volatile Http2Headers headers;
        private volatile boolean reset;
        private Http2StreamChannel channel;

        public synchronized String text() {
            return body.toString(StandardCharsets.UTF_8);
        }

        public synchronized int received() {
            return body.size();
        }

        public Http2Headers headers() {
            return headers;
        }

        public boolean wasReset() {
            return reset;
        }

        public void awaitEnd() throws InterruptedException {
            assertTrue(ended.await(15, TimeUnit.SECONDS), "the stream ended");
        }

        /** Cancels the stream: closing an open stream channel sends RST_STREAM (CANCEL) and drops its frames. */
        public void reset() throws InterruptedException {
            channel.close().sync();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame frame) {
                    headers = frame.headers();
                    if (frame.isEndStream()) {
                        ended.countDown();
                    }
                } else if (msg instanceof Http2DataFrame frame) {
                    append(frame.content());
                    if (frame.isEndStream()) {
                        ended.countDown();
                    }
                } else if (msg instanceof Http2ResetFrame) {
                    reset = true;
                    ended.countDown();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private synchronized void append(ByteBuf data) {
            body.writeBytes(ByteBufUtil.getBytes(data));
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final BlockingQueue<Http2Settings> settings = new LinkedBlockingQueue<>();
    private final BlockingQueue<GoAway> goAways = new LinkedBlockingQueue<>();

    private H2FrameClient(int port) throws InterruptedException {
        this.channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(), new ConnectionFrames(),
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
    }

    public static H2FrameClient connect(int port) throws InterruptedException {
        return new H2FrameClient(port);
    }

    /** Sends {@code POST path} with a JSON body on a new stream that reads (and so returns credit) or not. */
    public Stream post(String path, String json, boolean reading) throws InterruptedException {
        final Stream stream = new Stream();
        stream.channel = new Http2StreamChannelBootstrap(channel).option(ChannelOption.AUTO_READ, reading)
                .handler(stream).open().sync().getNow();
        final Http2Headers headers = new DefaultHttp2Headers().method("POST").path(path).scheme("http")
                .authority("127.0.0.1").set("content-type", "application/json");
        stream.channel.write(new DefaultHttp2HeadersFrame(headers, false));
        stream.channel.writeAndFlush(new DefaultHttp2DataFrame(
                Unpooled.copiedBuffer(json, StandardCharsets.UTF_8), true)).sync();
        return stream;
    }

    /** The server's first SETTINGS. */
    public Http2Settings serverSettings() throws InterruptedException {
        final Http2Settings first = settings.poll(10, TimeUnit.SECONDS);
        assertNotNull(first, "the server sent its settings");
        return first;
    }

    public GoAway awaitGoAway() throws InterruptedException {
        final GoAway goAway = goAways.poll(10, TimeUnit.SECONDS);
        assertNotNull(goAway, "the server sent GOAWAY");
        return goAway;
    }

    /** Whether the connection is still up (the server closes it after a GOAWAY for a misbehaving client). */
    public boolean isOpen() {
        return channel.isActive();
    }

    /** Waits up to 10 s for the server to close the connection. */
    public void awaitClosed() {
        assertTrue(channel.closeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS),
                "the server closed the connection");
    }

    /** The first GOAWAY the server sent, or null if none has arrived. */
    public GoAway receivedGoAway() {
        return goAways.peek();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Notes the connection-level frames on their way to the multiplexer. */
    private final class ConnectionFrames extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2SettingsFrame frame) {
                settings.add(frame.settings());
            } else if (msg instanceof Http2GoAwayFrame frame) {
                goAways.add(new GoAway(frame.errorCode(), frame.lastStreamId()));
            }
            ctx.fireChannelRead(msg);
        }

        /**
         * A server that cuts a misbehaving client off may close with frames of the client's still unread, and the
         * kernel then answers with a TCP reset: the connection ends here, quietly, rather than in a WARN from the
         * pipeline's tail that a test counting the gateway's log problems would take for the gateway's.
         */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
