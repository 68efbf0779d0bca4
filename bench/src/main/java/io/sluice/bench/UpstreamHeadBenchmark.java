package io.sluice.bench;

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
import io.sluice.gateway.http.FieldNames;
import io.sluice.gateway.http.HopByHop;
import io.sluice.gateway.proxy.ClientFields;
import io.sluice.gateway.upstream.RequestHead;
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

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * The head of an upstream request for the headers an OpenAI SDK sends, put on a channel three ways: as Sluice writes
 * it ({@link RequestHead}, bytes straight into one pooled buffer, no encoder in the pipeline) from the client's
 * fields copied once into {@link ClientFields}, which is what an exchange keeps while its stream runs; as it wrote
 * them before, picked from the request's header map and written field by field; and as it did before that, a header
 * map filled with the same headers and encoded by Netty's {@link HttpRequestEncoder}. Each passes the body and goes
 * through an embedded channel, so the difference is the head's building and encoding. Run with
 * {@code java -jar bench/target/benchmarks.jar UpstreamHeadBenchmark -prof gc} for time and bytes per request.
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
    private static final FieldNames SET_BY_SLUICE = FieldNames.of(HttpHeaderNames.HOST,
            HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderNames.AUTHORIZATION);
    private static final Predicate<CharSequence> SKIPPED = SET_BY_SLUICE::contains;
    private static final List<Map.Entry<String, String>> PROVIDER = List.of(
            Map.entry("Authorization", "Bearer sk-provider-0123456789abcdef"));
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");
    private static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    private static final DefaultHttpHeadersFactory UNCHECKED = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);

    private HttpHeaders client;
    private ByteBuf body;
    private EmbeddedChannel encoding;
    private EmbeddedChannel writing;
    private ClientFields kept;

    @Setup
    public void setUp() {
        client = new DefaultHttpHeaders();
        for (int i = 0; i < SDK_HEADERS.length; i += 2) {
            client.add(AsciiString.of(SDK_HEADERS[i]), AsciiString.of(SDK_HEADERS[i + 1]));
        }
        body = PooledByteBufAllocator.DEFAULT.directBuffer(412).writeZero(412);
        encoding = new EmbeddedChannel(new HttpRequestEncoder());
        writing = new EmbeddedChannel();
        kept = ClientFields.of(client, HopByHop.endToEndIn(client, SKIPPED));
        kept.keepCopy();
    }

    @TearDown
    public void tearDown() {
        body.release();
        encoding.finishAndReleaseAll();
        writing.finishAndReleaseAll();
    }

    /** A streamed answer's further attempt: the head written from the copy of the client's fields it keeps. */
    @Benchmark
    public int writtenFromKeptFields() {
        final RequestHead head = RequestHead.start(writing.alloc(), HttpMethod.POST, PATH, PROVIDER);
        sluiceHeaders(head::header);
        kept.writeSent(head);
        writing.writeOutbound(head.end(), body.retainedDuplicate());
        return drain(writing);
    }

    /** What a stream pays once for that copy. */
    @Benchmark
    public ClientFields fieldsCopied() {
        final ClientFields fields = ClientFields.of(client, HopByHop.endToEndIn(client, SKIPPED));
        fields.keepCopy();
        return fields;
    }

    /** The same head, its fields picked from the request's header map and written one by one, as a request's first. */
    @Benchmark
    public int writtenFieldByField() {
        final RequestHead head = RequestHead.start(writing.alloc(), HttpMethod.POST, PATH, PROVIDER);
        sluiceHeaders(head::header);
        ClientFields.of(client, HopByHop.endToEndIn(client, SKIPPED)).writeSent(head);
        writing.writeOutbound(head.end(), body.retainedDuplicate());
        return drain(writing);
    }

    @Benchmark
    public int encodedFromHeaderMap() {
        final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, PATH,
                body.retainedDuplicate(), UNCHECKED, UNCHECKED);
        final HttpHeaders headers = request.headers();
        endToEnd(headers::add);
        sluiceHeaders(headers::set);
        PROVIDER.forEach(header -> headers.set(header.getKey(), header.getValue()));
        encoding.writeOutbound(request);
        return drain(encoding);
    }

    /** Hands {@code add} the client's fields that go upstream, in order. */
    private void endToEnd(BiConsumer<CharSequence, CharSequence> add) {
        final Predicate<CharSequence> endToEnd = HopByHop.endToEndIn(client, SKIPPED);
        final Iterator<Map.Entry<CharSequence, CharSequence>> fields = client.iteratorCharSequence();
        while (fields.hasNext()) {
            final Map.Entry<CharSequence, CharSequence> field = fields.next();
            if (endToEnd.test(field.getKey())) {
                add.accept(field.getKey(), field.getValue());
            }
        }
    }

    /** The headers Sluice adds to every request, as {@code ProxyHeaders} does. */
    private static void sluiceHeaders(BiConsumer<CharSequence, CharSequence> set) {
        set.accept(HttpHeaderNames.HOST, "127.0.0.1:9100");
        set.accept(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(412));
        set.accept(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
        set.accept(X_FORWARDED_FOR, "127.0.0.1");
        set.accept(FORWARDED, "for=127.0.0.1;proto=http");
        set.accept(X_FORWARDED_PROTO, "http");
        set.accept(REQUEST_ID, "01JDQ3ZK6T9V2M4W8X0Y1Z2A3B");
        set.accept(TRACEPARENT, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    }

    /** Releases what an embedded channel wrote, buffers or their holders; the bytes it came to. */
    public static int drain(EmbeddedChannel channel) {
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
