package io.sluice.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
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
import java.util.concurrent.TimeUnit;

/**
 * One client request read from a pooled direct buffer, as one socket read brings it, by the gateway's HTTP/1.1
 * request decoder two ways: with {@link PlainRequestReader} reading it whole (one message: a head of views and its
 * body as a slice), and with Netty's decoder alone (a copy per line, a string per value, a head and a body
 * message). Each runs in an embedded channel whose last handler takes the request and releases it. The requests are
 * the benchmark's wrk request (four fields) and one as the OpenAI Python SDK sends it (fourteen). Run with
 * {@code java -jar bench/target/benchmarks.jar RequestDecoderBenchmark -prof gc} for time and bytes per request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// As in ResponseDecoderBenchmark: a buffer the leak detector happens to track wraps every slice cut from it.
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class RequestDecoderBenchmark {
    private static final String BODY = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    private static final String WRK = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:9200\r\n"
            + "Content-Length: " + BODY.length() + "\r\nContent-Type: application/json\r\n\r\n" + BODY;
    private static final String SDK = "POST /v1/chat/completions HTTP/1.1\r\nHost: gateway.internal:8080\r\n"
            + "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\nAccept: application/json\r\n"
            + "Content-Type: application/json\r\nUser-Agent: OpenAI/Python 1.54.3\r\nX-Stainless-Lang: python\r\n"
            + "X-Stainless-Package-Version: 1.54.3\r\nX-Stainless-OS: Linux\r\nX-Stainless-Arch: x64\r\n"
            + "X-Stainless-Runtime: CPython\r\nX-Stainless-Runtime-Version: 3.12.7\r\n"
            + "Authorization: Bearer sk-sluice-0123456789abcdef0123456789abcdef\r\n"
            + "Content-Length: " + BODY.length() + "\r\n\r\n" + BODY;

    @Param({"wrk", "sdk"})
    public String request;

    private ByteBuf read;
    private EmbeddedChannel plain;
    private EmbeddedChannel netty;
    private long taken;

    @Setup
    public void setUp() {
        final byte[] bytes = (request.equals("wrk") ? WRK : SDK).getBytes(StandardCharsets.US_ASCII);
        read = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
        plain = channel(true);
        netty = channel(false);
    }

    /** The gateway's decoder, with the limits {@link HttpServerInitializer} gives it, then a taker of requests. */
    private EmbeddedChannel channel(boolean readsPlainRequests) {
        return new EmbeddedChannel(new StrictRequestDecoder(new HttpDecoderConfig().setMaxInitialLineLength(8192)
                .setMaxHeaderSize(16 * 1024).setMaxChunkSize(64 * 1024), readsPlainRequests),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof HttpRequest head) {
                            taken += head.headers().size();
                        }
                        if (msg instanceof HttpContent content) {
                            taken += content.content().readableBytes();
                        }
                        if (msg instanceof LastHttpContent) {
                            taken++;
                        }
                        ReferenceCountUtil.release(msg);
                    }
                });
    }

    @TearDown
    public void tearDown() {
        read.release();
        plain.finishAndReleaseAll();
        netty.finishAndReleaseAll();
    }

    @Benchmark
    public long plainReader() {
        return readOne(plain);
    }

    @Benchmark
    public long nettyDecoder() {
        return readOne(netty);
    }

    private long readOne(EmbeddedChannel channel) {
        final long before = taken;
        channel.writeInbound(read.retainedDuplicate());
        if (taken - before < BODY.length() + 4) {
            throw new IllegalStateException("the request was not read whole");
        }
        return taken;
    }
}
