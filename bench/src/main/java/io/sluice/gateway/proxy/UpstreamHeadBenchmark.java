package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.sluice.gateway.http.TraceContext;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The head of an upstream request for the headers an OpenAI SDK sends, as {@link ProxyHeaders} writes it (bytes
 * straight into one pooled buffer, no encoder in the pipeline) from the client's fields ({@link ClientFields}): read
 * from the request's header map, as a request's first attempt does, and from the copy an event stream keeps, as a
 * continuation does; the copy itself, which a stream makes once; and, for comparison, the same headers in a header
 * map encoded by Netty's {@link HttpRequestEncoder}, as Sluice did before it wrote heads itself. The heads go with
 * the body through an embedded channel. In the gateway's package, as {@code ProxyHeaders} is the relay's own. Run
 * with {@code java -jar bench/target/benchmarks.jar UpstreamHeadBenchmark -prof gc} for time and bytes per request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UpstreamHeadBenchmark {
    private static final String PATH = "/v1/chat/completions";
    /** What the openai-python SDK sends; the gateway's request reader hands names and values over as views. */
    private static final String[] SDK_HEADERS = {
        "Host", "gateway.internal:8080", "Accept-Encoding", "gzip, deflate", "Connection", "keep-alive",
        "Accept", "application/json", "Content-Type", "application/json", "User-Agent", "OpenAI/Python 1.54.4",
        "X-Stainless-Lang", "python", "X-Stainless-Package-Version", "1.54.4", "X-Stainless-OS", "Linux",
        "X-Stainless-Arch", "x64", "X-Stainless-Runtime", "CPython", "X-Stainless-Runtime-Version", "3.12.7",
        "Authorization", "Bearer sk-gateway-0123456789abcdef", "X-Stainless-Async", "false",
        "x-stainless-retry-count", "0", "x-stainless-read-timeout", "600", "Content-Length", "412"};
    private static final List<Map.Entry<String, String>> PROVIDER = List.of(
            Map.entry("Authorization", "Bearer sk-provider-0123456789abcdef"));
    private static final ClientOrigin ORIGIN = new ClientOrigin("127.0.0.1", "for=127.0.0.1;proto=http", "http",
            "127.0.0.1");
    private static final UpstreamEndpoint BACKEND = new UpstreamEndpoint(URI.create("http://127.0.0.1:9100"), null);
    private static final String REQUEST_ID = "01JDQ3ZK6T9V2M4W8X0Y1Z2A3B";
    private static final DefaultHttpHeadersFactory UNCHECKED = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);

    private HttpHeaders client;
    private TraceContext trace;
    private ClientFields kept;
    private ByteBuf body;
    private EmbeddedChannel encoding;
    private EmbeddedChannel writing;

    @Setup
    public void setUp() {
        client = new DefaultHttpHeaders();
        for (int i = 0; i < SDK_HEADERS.length; i += 2) {
            client.add(AsciiString.of(SDK_HEADERS[i]), AsciiString.of(SDK_HEADERS[i + 1]));
        }
        trace = TraceContext.start();
        kept = ProxyHeaders.clientFields(client, trace);
        kept.keepCopy();
        body = PooledByteBufAllocator.DEFAULT.directBuffer(412).writeZero(412);
        encoding = new EmbeddedChannel(new HttpRequestEncoder());
        writing = new EmbeddedChannel();
    }

    @TearDown
    public void tearDown() {
        body.release();
        encoding.finishAndReleaseAll();
        writing.finishAndReleaseAll();
    }

    /** A request's first attempt: its fields read from the header map. */
    @Benchmark
    public int firstAttempt() {
        return write(ProxyHeaders.clientFields(client, trace));
    }

    /** A continuation's attempt: the fields read from the copy its stream kept. */
    @Benchmark
    public int attemptFromTheCopy() {
        return write(kept);
    }

    /** What a stream pays once, at its head, for the copy (the view it is made from included). */
    @Benchmark
    public ClientFields copyKept() {
        final ClientFields fields = ProxyHeaders.clientFields(client, trace);
        fields.keepCopy();
        return fields;
    }

    /** The same head in a header map encoded by Netty, the fields picked as {@code ProxyHeaders} picks them. */
    @Benchmark
    public int encodedFromHeaderMap() {
        final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, PATH,
                body.retainedDuplicate(), UNCHECKED, UNCHECKED);
        final HttpHeaders headers = request.headers();
        headers.add(client);
        headers.remove(HttpHeaderNames.AUTHORIZATION).remove(HttpHeaderNames.CONNECTION);
        headers.set(HttpHeaderNames.HOST, BACKEND.hostHeader());
        headers.set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
        headers.set(TrustedProxies.X_FORWARDED_FOR, ORIGIN.forwardedFor());
        headers.set(TrustedProxies.FORWARDED, ORIGIN.forwarded());
        headers.set(TrustedProxies.X_FORWARDED_PROTO, ORIGIN.proto());
        headers.set("x-request-id", REQUEST_ID);
        headers.set(TraceContext.TRACEPARENT, trace.traceparent());
        PROVIDER.forEach(header -> headers.set(header.getKey(), header.getValue()));
        encoding.writeOutbound(request);
        return drain(encoding);
    }

    private int write(ClientFields fields) {
        writing.writeOutbound(ProxyHeaders.upstreamRequestHead(writing.alloc(), fields, ORIGIN, PATH, BACKEND,
                PROVIDER, REQUEST_ID, trace, body.readableBytes()), body.retainedDuplicate());
        return drain(writing);
    }

    /** Releases what an embedded channel wrote, buffers or their holders; the bytes it came to. */
    static int drain(EmbeddedChannel channel) {
        int bytes = 0;
        Object message;
        while ((message = channel.readOutbound()) != null) {
            final ByteBuf buf = message instanceof ByteBufHolder holder ? holder.content() : (ByteBuf) message;
            bytes += buf.readableBytes();
            buf.release();
        }
        return bytes;
    }
}
