package io.sluice.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.sluice.gateway.net.Transport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A fast OpenAI-compatible model server for load tests: {@code POST /v1/chat/completions} answers an event stream
 * when the body asks for one (one HTTP chunk per token, with the usage chunk when {@code include_usage} is
 * asked) and a JSON completion otherwise. A paced stream flushes each token on its own, as vLLM does; an unpaced
 * one is flushed once, so that the mock, which shares a core with the load generator, is not what limits a
 * throughput run. The query string shapes the answer:
 * {@code tokens} (chunks, default 32), {@code size} (content bytes per chunk, default 160) and {@code delay_ms}
 * (pause between chunks, default 0).
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.sluice.bench.MockModelServer [port] [threads]}
 */
public final class MockModelServer {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final Map<Integer, byte[]> CHUNKS = new ConcurrentHashMap<>();
    private static final ByteBuf STREAM = needle("\"stream\":true");
    private static final ByteBuf INCLUDE_USAGE = needle("\"include_usage\":true");

    private MockModelServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        final int port = args.length > 0 ? Integer.parseInt(args[0]) : 9100;
        final int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        final Transport transport = Transport.choose("auto");
        // No batch window: the mock answers at once, as the model servers it stands for do.
        final EventLoopGroup group = transport.newEventLoopGroup(threads, Duration.ZERO);
        new ServerBootstrap().group(group).channel(transport.serverChannelType())
                .option(ChannelOption.SO_BACKLOG, 8192)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new Handler());
                    }
                })
                .bind("127.0.0.1", port).sync().channel().closeFuture().sync();
    }

    private static ByteBuf needle(String text) {
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.US_ASCII)));
    }

    /** One chat chunk whose content is {@code size} bytes, made once per size. */
    private static byte[] chunk(int size) {
        return CHUNKS.computeIfAbsent(size, s -> ("data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1700000000,\"model\":\"mock\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                + "x".repeat(s) + "\"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static final class Handler extends ChannelInboundHandlerAdapter {
        private HttpRequest request;
        /** The body so far: a field may arrive split across pieces, so it is searched once whole. */
        private CompositeByteBuf body;
        private boolean stream;
        private boolean usage;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest head) {
                    request = head;
                    body = ctx.alloc().compositeBuffer();
                }
                if (msg instanceof HttpContent content && body != null) {
                    body.addComponent(true, content.content().retain());
                    if (content instanceof LastHttpContent) {
                        stream = ByteBufUtil.indexOf(STREAM, body) >= 0;
                        usage = ByteBufUtil.indexOf(INCLUDE_USAGE, body) >= 0;
                        body.release();
                        body = null;
                        answer(ctx);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (body != null) {
                body.release();
                body = null;
            }
            ctx.fireChannelInactive();
        }

        private void answer(ChannelHandlerContext ctx) {
            final Map<String, List<String>> query = new QueryStringDecoder(request.uri()).parameters();
            final int tokens = number(query, "tokens", 32);
            final int size = number(query, "size", 160);
            final long delay = number(query, "delay_ms", 0);
            final boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!stream) {
                final String text = "x".repeat(tokens * size);
                final byte[] json = ("{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion\",\"created\":1700000000,"
                        + "\"model\":\"mock\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                        + text + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":"
                        + tokens + ",\"total_tokens\":" + (tokens + 10) + "}}").getBytes(StandardCharsets.US_ASCII);
                final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.OK, Unpooled.wrappedBuffer(json));
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
                finish(ctx.writeAndFlush(response), keepAlive);
                return;
            }
            final HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
            HttpUtil.setTransferEncodingChunked(head, true);
            ctx.write(head);
            new Streamer(ctx, chunk(size), tokens, delay, usage, keepAlive).next();
        }

        private static int number(Map<String, List<String>> query, String name, int fallback) {
            final List<String> values = query.get(name);
            return values == null ? fallback : Integer.parseInt(values.get(0));
        }
    }

    /** Writes the chunks of one stream, paced, each flushed on its own; waits while the client is not writable. */
    private static final class Streamer {
        private final ChannelHandlerContext ctx;
        private final byte[] chunk;
        private final long delayMs;
        private final boolean usage;
        private final boolean keepAlive;
        private final int tokens;
        private int left;

        Streamer(ChannelHandlerContext ctx, byte[] chunk, int tokens, long delayMs, boolean usage, boolean keepAlive) {
            this.ctx = ctx;
            this.chunk = chunk;
            this.tokens = tokens;
            this.left = tokens;
            this.delayMs = delayMs;
            this.usage = usage;
            this.keepAlive = keepAlive;
        }

        void next() {
            while (ctx.channel().isActive()) {
                if (left == 0) {
                    if (usage) {
                        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(("data: {\"id\":\"chatcmpl-mock\","
                                + "\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,"
                                + "\"completion_tokens\":" + tokens + ",\"total_tokens\":" + (tokens + 10) + "}}\n\n")
                                .getBytes(StandardCharsets.US_ASCII))));
                    }
                    ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(DONE)));
                    finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keepAlive);
                    return;
                }
                left--;
                if (delayMs > 0) {
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
                    ctx.executor().schedule(this::next, delayMs, TimeUnit.MILLISECONDS);
                    return;
                }
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
                if (!ctx.channel().isWritable()) {
                    ctx.flush();
                    ctx.executor().execute(this::next);
                    return;
                }
            }
        }
    }

    private static void finish(ChannelFuture write, boolean keepAlive) {
        if (!keepAlive) {
            write.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
