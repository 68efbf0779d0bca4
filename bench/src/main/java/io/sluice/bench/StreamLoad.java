package io.sluice.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.gateway.net.Transport;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A streaming load generator: keeps N streams open against one URL for a while, each connection asking for a
 * new stream as soon as the last one ended, and reports the time to the first event (TTFT) and the gap between
 * events, at p50 and p99, with the number of streams done and failed. Streams sent in the first
 * {@value #WARMUP_SECONDS} seconds (JIT compilation, the burst of connection set-up) are not measured.
 *
 * <p>Each connection sends its first request at a random moment of the first {@value #SPREAD_MILLIS} ms, so that
 * the streams run out of step, as requests from many users arrive. Sent all at once, every stream of a load lasts
 * as long as the others and they stay in step: the model server writes an event of every stream in one burst, and
 * writes a stream's next event 20 ms after its last, so a stream's place in the burst is added to each of its gaps.
 * On the core the model server shares with this generator, direct access's gap p50 with the streams in step was
 * 21 ms at 100 streams and 28-36 ms at 1,000, so every proxy's gaps at 1,000 streams measured the load side's
 * bursts more than the proxy; the TTFT then measured a burst of 1,000 requests every 0.7 s, a pattern of this
 * generator's rather than of users'. Out of step, direct access's gap p50 at 1,000 streams was 21.6-24.6 ms.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.sluice.bench.StreamLoad URL STREAMS SECONDS [hold]}: with
 * {@code hold} the streams are opened once and held open until the time is up (for memory per idle stream).
 * The last line printed is machine-readable: {@code RESULT streams=... ttft_p50_us=... ...}.
 *
 * <p>{@code StreamLoad -} runs one load per line of standard input ({@code URL STREAMS SECONDS}) in one JVM, each
 * answered by its RESULT line, so that a benchmark run compiles and pre-touches the generator once: a fresh JVM
 * per load still compiled its own code in the seconds it measured (the compilers used a third of the core it
 * shares with the model server in a load's first 6 s, C2 still a sixth 4.5-12.5 s into it), which added the same
 * stalls to every target's TTFT.
 */
public final class StreamLoad {
    /**
     * Asks for the usage chunk, which the model server sends anyway: a client that did not ask would not get it
     * through Sluice (it strips the chunk it asked for on the client's behalf), and the 40 ms from the finish
     * event to [DONE] would then count as one gap of every stream, a false p99 no other target has.
     */
    private static final byte[] BODY = ("{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}").getBytes(StandardCharsets.US_ASCII);

    private static final int WARMUP_SECONDS = 3;

    /**
     * The first requests are spread over this much of the warm-up: a paced stream's length (35 events 20 ms apart),
     * so that as many streams begin in each moment of a stream's cycle.
     */
    private static final int SPREAD_MILLIS = 700;

    private final URI uri;
    private final boolean hold;
    private final long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARMUP_SECONDS);
    private final long deadline;
    private final Samples ttft = new Samples();
    private final Samples gaps = new Samples();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private StreamLoad(URI uri, boolean hold, long deadline) {
        this.uri = uri;
        this.hold = hold;
        this.deadline = deadline;
    }

    public static void main(String[] args) throws Exception {
        final Transport transport = Transport.choose("auto");
        // No batch window: the generator times each event when it comes.
        final EventLoopGroup group = transport.newEventLoopGroup(1, Duration.ZERO);
        try {
            if (args.length == 1 && args[0].equals("-")) {
                final BufferedReader loads =
                        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
                for (String line = loads.readLine(); line != null; line = loads.readLine()) {
                    if (line.isBlank()) {
                        continue;
                    }
                    System.out.println(runLine(group, transport, line.trim().split("\\s+")));
                    System.out.flush();
                    // The next load starts on an empty young generation: no collection of the generator's own
                    // falls in the seconds it measures.
                    System.gc();
                }
            } else {
                System.out.println(run(group, transport, URI.create(args[0]), Integer.parseInt(args[1]),
                        Integer.parseInt(args[2]), args.length > 3 && args[3].equals("hold")));
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * Runs the load of one line of standard input; a line that names no load gets a RESULT line that says so, and
     * the generator goes on to the next.
     */
    private static String runLine(EventLoopGroup group, Transport transport, String[] words)
            throws InterruptedException {
        if (words.length != 3) {
            return "RESULT error=expected_URL_STREAMS_SECONDS";
        }
        try {
            return run(group, transport, URI.create(words[0]), Integer.parseInt(words[1]),
                    Integer.parseInt(words[2]), false);
        } catch (RuntimeException e) {
            return "RESULT error=" + e.getClass().getSimpleName();
        }
    }

    /** Runs one load to its end and returns its RESULT line. */
    private static String run(EventLoopGroup group, Transport transport, URI uri, int streams, int seconds,
                              boolean hold) throws InterruptedException {
        final StreamLoad load = new StreamLoad(uri, hold, System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds));
        final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        final CountDownLatch closed = new CountDownLatch(streams);
        final Bootstrap bootstrap = new Bootstrap().group(group).channel(transport.socketChannelType())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        open.add(ch);
                        ch.pipeline().addLast(new HttpClientCodec(), load.new Stream());
                        ch.closeFuture().addListener(f -> closed.countDown());
                    }
                });
        for (int i = 0; i < streams; i++) {
            bootstrap.connect(uri.getHost(), uri.getPort()).addListener(f -> {
                if (!f.isSuccess()) {
                    load.failed.incrementAndGet();
                    closed.countDown();
                }
            });
        }
        closed.await(seconds + 120L, TimeUnit.SECONDS);
        // A stream still open this late is stuck: it must not run on into the next load of this JVM.
        open.close().awaitUninterruptibly();
        return load.summary(streams);
    }

    private String summary(int streams) {
        return String.format(Locale.ROOT, "RESULT connections=%d streams_done=%d failed=%d ttft_p50_us=%d "
                        + "ttft_p99_us=%d gap_p50_us=%d gap_p99_us=%d", streams, done.get(), failed.get(),
                ttft.percentile(50), ttft.percentile(99), gaps.percentile(50), gaps.percentile(99));
    }

    /** One connection: one stream at a time, the next as soon as the last ends, until the deadline. */
    private final class Stream extends ChannelInboundHandlerAdapter {
        private final SseEventFramer framer = new SseEventFramer();
        private long sentAt;
        private long lastEvent;
        private int status;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (hold) {
                send(ctx.channel());
            } else {
                ctx.executor().schedule(() -> {
                    if (ctx.channel().isActive()) {
                        send(ctx.channel());
                    } else {
                        failed.incrementAndGet();
                    }
                }, ThreadLocalRandom.current().nextInt(SPREAD_MILLIS), TimeUnit.MILLISECONDS);
            }
        }

        private void send(Channel channel) {
            final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                    uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()),
                    Unpooled.wrappedBuffer(BODY));
            request.headers().set(HttpHeaderNames.HOST, uri.getHost())
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
            sentAt = System.nanoTime();
            lastEvent = 0;
            channel.writeAndFlush(request);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                final long now = System.nanoTime();
                if (msg instanceof HttpResponse response) {
                    status = response.status().code();
                }
                if (msg instanceof HttpContent content) {
                    countEvents(content.content(), now);
                    if (content instanceof LastHttpContent) {
                        if (status == 200) {
                            done.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                        if (!hold && now < deadline) {
                            send(ctx.channel());
                        } else {
                            ctx.close();
                        }
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void countEvents(ByteBuf content, long now) {
            int from = content.readerIndex();
            int end;
            while ((end = framer.nextEventEnd(content, from, content.writerIndex())) >= 0) {
                if (sentAt < measureFrom) {
                    // Sent during the warm-up: neither its TTFT nor its gaps are measured.
                    lastEvent = now;
                } else if (lastEvent == 0) {
                    ttft.add((now - sentAt) / 1000);
                } else {
                    gaps.add((now - lastEvent) / 1000);
                }
                lastEvent = now;
                from = end;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failed.incrementAndGet();
            ctx.close();
        }
    }
}
