package io.sluice.gateway.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A real HTTP/1.1 backend on a loopback port (a small Netty server) that plays any provider: each request gets the
 * next queued {@link Script}, or the default one, and is recorded. It counts connections and records when each
 * one closes, so tests can see keep-alive reuse and cancellation from the backend's side.
 */
public final class ScriptedBackend implements AutoCloseable {
    private final AtomicInteger open = new AtomicInteger();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final boolean tls;
    private final ConcurrentLinkedQueue<Script> queued = new ConcurrentLinkedQueue<>();
    private volatile Script fallback = Script.json(200, "{}");
    /** How the gateway's health probes are answered; they are not recorded and touch no queued script. */
    private volatile Script probeAnswer = Script.json(200, "{}");
    private final AtomicInteger probes = new AtomicInteger();
    private volatile RecordedRequest lastProbe;
    /** How the gateway's load scrapes are answered (a 404 until told otherwise); not recorded either. */
    private volatile Script metricsAnswer = Script.json(404, "{}");
    private final AtomicInteger scrapes = new AtomicInteger();
    private final BlockingQueue<RecordedRequest> requests = new LinkedBlockingQueue<>();
    private final BlockingQueue<Long> closes = new LinkedBlockingQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicLong flooded = new AtomicLong();
    private static final String PROBE_AGENT = "sluice-health-probe";
    private static final String SCRAPE_AGENT = "sluice-load-scrape";

    private ScriptedBackend(SslContext sslContext) throws InterruptedException {
        this.tls = sslContext != null;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (sslContext != null) {
                            ch.pipeline().addLast(sslContext.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new Connection());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    public static ScriptedBackend start() throws InterruptedException {
        return new ScriptedBackend(null);
    }

    public static ScriptedBackend startTls(SslContext sslContext) throws InterruptedException {
        return new ScriptedBackend(sslContext);
    }

    /** The base URL, such as {@code http://127.0.0.1:41234}; the gateway adds {@code /v1}. */
    public URI url() {
        return url("127.0.0.1");
    }

    public URI url(String host) {
        final int port = ((InetSocketAddress) server.localAddress()).getPort();
        return URI.create((tls ? "https://" : "http://") + host + ":" + port);
    }

    /** Answers the next requests with these scripts, in order. */
    public void enqueue(Script... scripts) {
        queued.addAll(Arrays.asList(scripts));
    }

    /** Answers the gateway's health probes with {@code script} from now on (a 200 until told otherwise). */
    public void answerProbes(Script script) {
        this.probeAnswer = script;
    }

    /** Answers the gateway's load scrapes with this Prometheus text from now on. */
    public void answerMetrics(String exposition) {
        this.metricsAnswer = Script.builder().fixedHead(200, exposition.length(), "content-type",
                "text/plain; version=0.0.4").body(exposition).end().build();
    }

    /** How many load scrapes came. */
    public int scrapeCount() {
        return scrapes.get();
    }

    /** The last health probe that came, or null. */
    public RecordedRequest lastProbe() {
        return lastProbe;
    }

    /** How many health probes came. */
    public int probeCount() {
        return probes.get();
    }

    /** Answers requests with {@code script} once the queue is empty. */
    public void respondAlways(Script script) {
        this.fallback = script;
    }

    /** The next request received, waiting up to 10 s. */
    public RecordedRequest takeRequest() throws InterruptedException {
        final RecordedRequest request = requests.poll(10, TimeUnit.SECONDS);
        assertNotNull(request, "the backend received no request");
        return request;
    }

    public int requestCount() {
        return requests.size();
    }

    /** Forgets what earlier tests left: recorded requests, close times and queued scripts. */
    public void reset() {
        requests.clear();
        received.set(0);
        closes.clear();
        queued.clear();
        fallback = Script.json(200, "{}");
        probeAnswer = Script.json(200, "{}");
        metricsAnswer = Script.json(404, "{}");
    }

    /** When the next connection closed (System.nanoTime), waiting up to {@code timeout}; null if none did. */
    public Long awaitClose(Duration timeout) throws InterruptedException {
        return closes.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Connections open now, probes' included. */
    public int openConnections() {
        return open.get();
    }

    /** Connections that carried a request; those of the gateway's health probes are not counted. */
    public int connectionsOpened() {
        return connections.get();
    }

    /** How many bytes floods have handed to their connections so far. */
    public long floodedBytes() {
        return flooded.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One connection: gathers each request, then plays its script step by step. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        /** The connection's number among those that carried a request (not a probe); 0 until one did. */
        private int id;
        private ChannelHandlerContext ctx;
        private HttpRequest request;
        private ByteArrayOutputStream body;
        private Script script;
        private int step;
        private Runnable onWritable;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            open.incrementAndGet();
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            open.decrementAndGet();
            if (id != 0) {
                closes.add(System.nanoTime());
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest head) {
                    request = head;
                    body = new ByteArrayOutputStream();
                }
                if (msg instanceof HttpContent content && body != null) {
                    final ByteBuf buf = content.content();
                    final byte[] bytes = new byte[buf.readableBytes()];
                    buf.getBytes(buf.readerIndex(), bytes);
                    body.writeBytes(bytes);
                    final String agent = request.headers().get("user-agent");
                    if (content instanceof LastHttpContent && (PROBE_AGENT.equals(agent) || SCRAPE_AGENT.equals(agent))) {
                        if (PROBE_AGENT.equals(agent)) {
                            lastProbe = new RecordedRequest(request.method().name(), request.uri(),
                                    request.headers().copy(), new byte[0], 0);
                        }
                        (PROBE_AGENT.equals(agent) ? probes : scrapes).incrementAndGet();
                        script = PROBE_AGENT.equals(agent) ? probeAnswer : metricsAnswer;
                        step = 0;
                        body = null;
                        runSteps();
                    } else if (content instanceof LastHttpContent) {
                        if (id == 0) {
                            id = connections.incrementAndGet();
                        }
                        received.incrementAndGet();
                        requests.add(new RecordedRequest(request.method().name(), request.uri(),
                                request.headers().copy(), body.toByteArray(), id));
                        final Script next = queued.poll();
                        script = next != null ? next : fallback;
                        step = 0;
                        body = null;
                        runSteps();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && onWritable != null) {
                final Runnable resume = onWritable;
                onWritable = null;
                resume.run();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private void runSteps() {
            while (step < script.steps.size() && ctx.channel().isActive()) {
                final Script.Step current = script.steps.get(step++);
                if (!run(current)) {
                    return;
                }
            }
        }

        /** Runs one step; false when the step goes on asynchronously (and resumes the script itself). */
        private boolean run(Script.Step current) {
            if (current instanceof Script.Head head) {
                final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(head.status()));
                for (int i = 0; i < head.headers().size(); i += 2) {
                    response.headers().add(head.headers().get(i), head.headers().get(i + 1));
                }
                if (head.chunked()) {
                    HttpUtil.setTransferEncodingChunked(response, true);
                }
                ctx.writeAndFlush(response);
                return true;
            }
            if (current instanceof Script.Body b) {
                writePieces(b, 0);
                return false;
            }
            if (current instanceof Script.End) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return true;
            }
            if (current instanceof Script.Close) {
                ctx.close();
                return false;
            }
            if (current instanceof Script.Reset) {
                // An abortive close discards what the socket has not sent: the bytes written so far leave first.
                ctx.pipeline().firstContext().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written ->
                        ctx.executor().schedule(() -> {
                            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                            ctx.close();
                        }, 20, TimeUnit.MILLISECONDS));
                return false;
            }
            if (current instanceof Script.Stall) {
                return false;
            }
            if (current instanceof Script.Pause pause) {
                ctx.executor().schedule(this::runSteps, pause.duration().toNanos(), TimeUnit.NANOSECONDS);
                return false;
            }
            if (current instanceof Script.AwaitRequests await) {
                awaitRequests(await.count());
                return false;
            }
            if (current instanceof Script.Endless endless) {
                writeEndless(endless);
                return false;
            }
            if (current instanceof Script.Flood flood) {
                writeFlood(flood, 0, 0);
                return false;
            }
            if (current instanceof Script.Raw raw) {
                ctx.pipeline().firstContext().writeAndFlush(Unpooled.wrappedBuffer(raw.bytes()));
                return true;
            }
            throw new IllegalStateException("unknown step " + current);
        }

        /** Writes the body from {@code offset}, each piece flushed on its own, pausing {@code gap} between them. */
        private void writePieces(Script.Body b, int offset) {
            int start = offset;
            while (ctx.channel().isActive()) {
                final int end = Math.min(b.bytes().length, start + b.pieceSize());
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(b.bytes(), start, end - start)));
                if (end >= b.bytes().length) {
                    runSteps();
                    return;
                }
                if (!b.gap().isZero()) {
                    ctx.executor().schedule(() -> writePieces(b, end), b.gap().toNanos(), TimeUnit.NANOSECONDS);
                    return;
                }
                start = end;
            }
        }

        private void awaitRequests(int count) {
            if (received.get() >= count) {
                runSteps();
            } else if (ctx.channel().isActive()) {
                ctx.executor().schedule(() -> awaitRequests(count), 10, TimeUnit.MILLISECONDS);
            }
        }

        private void writeEndless(Script.Endless endless) {
            if (!ctx.channel().isActive()) {
                return;
            }
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(endless.event())));
            ctx.executor().schedule(() -> writeEndless(endless), endless.gap().toNanos(), TimeUnit.NANOSECONDS);
        }

        /** Writes numbered events of a fixed size while the connection is writable, else waits for the peer. */
        private void writeFlood(Script.Flood flood, long sent, long number) {
            long written = sent;
            long n = number;
            while (written < flood.totalBytes() && ctx.channel().isActive()) {
                if (!ctx.channel().isWritable()) {
                    final long resumeAt = written;
                    final long resumeNumber = n;
                    // Listen first: the flush may drain the socket and fire the writability change at once.
                    onWritable = () -> writeFlood(flood, resumeAt, resumeNumber);
                    ctx.flush();
                    return;
                }
                final byte[] event = flood.chat() ? chatFloodEvent(n++, flood.eventSize())
                        : floodEvent(n++, flood.eventSize());
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(event)));
                written += flood.eventSize();
                flooded.addAndGet(flood.eventSize());
            }
            // A model server's stream ends with its final event.
            ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(DONE)))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }

    /** The last event of a flood, as of every OpenAI stream. */
    public static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    /** A chat chunk of {@code size} bytes whose content is the 12-digit number {@code n} padded with dots. */
    public static byte[] chatFloodEvent(long n, int size) {
        final String head = String.format("data: {\"choices\":[{\"delta\":{\"content\":\"%012d", n);
        final String tail = "\"}}]}\n\n";
        return (head + ".".repeat(size - head.length() - tail.length()) + tail).getBytes(StandardCharsets.US_ASCII);
    }

    /** Flood event {@code n}: {@code data: } and its 12-digit number, padded with dots to {@code size} bytes. */
    public static byte[] floodEvent(long n, int size) {
        final byte[] event = new byte[size];
        Arrays.fill(event, (byte) '.');
        final byte[] head = String.format("data: %012d", n).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, event, 0, head.length);
        event[size - 2] = '\n';
        event[size - 1] = '\n';
        return event;
    }
}
