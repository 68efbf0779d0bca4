package io.sluice.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.ReferenceCountUtil;
import io.sluice.gateway.upstream.ResponseDecoder;
import io.sluice.gateway.upstream.ResponseHead;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One upstream response read from pooled direct buffers cut as a socket's reads would be, two ways: by Sluice's
 * {@link ResponseDecoder} (a head of views, the body as slices of the reads), and by Netty's
 * {@link HttpResponseDecoder} (a header map and a message object per chunk), each in an embedded channel whose last
 * handler takes every body byte. The responses are a vLLM-like event stream, one chunk per event (7 KB in 40
 * events), and a 440-byte JSON answer with an OpenAI-like head. Run with
 * {@code java -jar bench/target/benchmarks.jar ResponseDecoderBenchmark -prof gc} for time and bytes per response.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// The reads are a few pooled buffers made once, and Netty's leak detector tracks one buffer in 128 at random: one
// it tracks wraps every slice and duplicate cut from it, so forks would differ by kilobytes a response.
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class ResponseDecoderBenchmark {
    private static final int READ_BYTES = 2048;
    /** A vLLM event stream's head, as the backend sends it. */
    public static final String STREAM_HEAD = "HTTP/1.1 200 OK\r\ndate: Thu, 03 Dec 2026 15:00:00 GMT\r\n"
            + "server: uvicorn\r\ncontent-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n\r\n";
    /** An OpenAI JSON answer's head, as the API sends it. */
    public static final String JSON_HEAD = "HTTP/1.1 200 OK\r\ndate: Thu, 03 Dec 2026 15:00:00 GMT\r\n"
            + "content-type: application/json\r\ncontent-length: 440\r\nconnection: keep-alive\r\n"
            + "access-control-expose-headers: X-Request-ID\r\nopenai-organization: user-abc123\r\n"
            + "openai-processing-ms: 312\r\nopenai-version: 2020-10-01\r\n"
            + "strict-transport-security: max-age=31536000; includeSubDomains; preload\r\n"
            + "x-ratelimit-limit-requests: 10000\r\nx-ratelimit-remaining-requests: 9999\r\n"
            + "x-request-id: req_0123456789abcdef0123456789abcdef\r\ncf-cache-status: DYNAMIC\r\n"
            + "server: cloudflare\r\ncf-ray: 8f0123456789abcd-AMS\r\nalt-svc: h3=\":443\"; ma=86400\r\n\r\n";

    @Param({"stream", "json"})
    public String shape;

    private final List<ByteBuf> reads = new ArrayList<>();
    private EmbeddedChannel sluice;
    private EmbeddedChannel netty;
    private long taken;

    @Setup
    public void setUp() {
        final StringBuilder response = new StringBuilder();
        if (shape.equals("stream")) {
            response.append(STREAM_HEAD);
            for (int i = 0; i < 40; i++) {
                final String event = "data: {\"id\":\"cmpl-0123456789\",\"object\":\"chat.completion.chunk\","
                        + "\"created\":1764770000,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                        + "token" + (1000 + i) + "\"},\"finish_reason\":null}]}\n\n";
                response.append(Integer.toHexString(event.length())).append("\r\n").append(event).append("\r\n");
            }
            response.append("0\r\n\r\n");
        } else {
            response.append(JSON_HEAD).append("{\"id\":\"chatcmpl-0\",\"object\":\"chat.completion\"}")
                    .append(" ".repeat(440 - 46));
        }
        final byte[] bytes = response.toString().getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at < bytes.length; at += READ_BYTES) {
            final int length = Math.min(READ_BYTES, bytes.length - at);
            reads.add(PooledByteBufAllocator.DEFAULT.directBuffer(length).writeBytes(bytes, at, length));
        }
        final ResponseDecoder decoder = new ResponseDecoder();
        final ResponseDecoder.Sink sink = new ResponseDecoder.Sink() {
            @Override
            public void onHead(ResponseHead head) {
                taken += head.status();
            }

            @Override
            public void onBody(ByteBuf piece, boolean last) {
                taken += piece.readableBytes();
                piece.release();
            }

            @Override
            public void onMalformed(String reason) {
                throw new IllegalStateException(reason);
            }
        };
        sluice = new EmbeddedChannel(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                final ByteBuf in = (ByteBuf) msg;
                try {
                    decoder.decode(in, sink);
                } finally {
                    in.release();
                }
            }
        });
        netty = new EmbeddedChannel(new HttpResponseDecoder(), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpContent content) {
                    taken += content.content().readableBytes();
                }
                ReferenceCountUtil.release(msg);
            }
        });
    }

    @TearDown
    public void tearDown() {
        reads.forEach(ByteBuf::release);
        sluice.finishAndReleaseAll();
        netty.finishAndReleaseAll();
    }

    @Benchmark
    public long sluiceDecoder() {
        return readAll(sluice);
    }

    @Benchmark
    public long nettyDecoder() {
        return readAll(netty);
    }

    private long readAll(EmbeddedChannel channel) {
        final long before = taken;
        for (int i = 0; i < reads.size(); i++) {
            channel.writeInbound(reads.get(i).retainedDuplicate());
        }
        if (taken - before < 440) {
            throw new IllegalStateException("the response was not read whole");
        }
        return taken;
    }
}
